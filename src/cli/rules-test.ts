import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { compilePattern, singleRuleMatcher } from '../rules/index.js';
import { CliExit } from './exit.js';

export interface RulesTestOptions {
  pattern: string;
  line?: string;
  file?: string;
  json?: boolean;
}

/** As the scanner does: a longer line is cut here and the rest up to the newline dropped. */
const MAX_LINE_BYTES = 1024 * 1024;
/** How much of a matching line the text output shows. */
const SHOWN_CHARS = 300;

/** The lines of a file (or stdin for "-") as bytes, without their `\n` or `\r\n`. */
async function* fileLines(path: string): AsyncGenerator<Buffer> {
  const input: AsyncIterable<Buffer> = path === '-' ? process.stdin : createReadStream(path);
  let parts: Buffer[] = [];
  let size = 0;
  let open = false;
  const take = (piece: Buffer) => {
    open = true;
    const room = MAX_LINE_BYTES - size;
    if (room <= 0 || piece.length === 0) return;
    const kept = piece.length > room ? piece.subarray(0, room) : piece;
    parts.push(kept);
    size += kept.length;
  };
  const finish = (): Buffer => {
    let line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    parts = [];
    size = 0;
    open = false;
    return line;
  };
  for await (const chunk of input) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        if (start < chunk.length) take(chunk.subarray(start));
        break;
      }
      take(chunk.subarray(start, nl));
      yield finish();
      start = nl + 1;
    }
  }
  if (open) yield finish();
}

/** The line for a terminal: cut short, control characters (escape sequences) made visible. */
function shown(line: Buffer): string {
  const text = line.toString('utf8');
  const cut = text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
  return cut.replace(
    // eslint-disable-next-line no-control-regex
    /[\x00-\x08\x0a-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/**
 * `logwarden rules test`: runs one pattern, as the scanner would, on a line or on every
 * line of a file, and prints each match with its captures. Exit 0 when something
 * matched, 1 when nothing did, 2 on bad input.
 */
export async function rulesTest(options: RulesTestOptions): Promise<void> {
  if (options.line !== undefined && options.file !== undefined)
    throw new CliExit(2, '--line and --file cannot be used together');
  if (options.line === undefined && options.file === undefined)
    throw new CliExit(2, 'either --line <text> or --file <path> is required');
  const compiled = compilePattern(options.pattern);
  if (!compiled.ok) throw new CliExit(2, `--pattern: ${compiled.error}`);
  const matcher = singleRuleMatcher(compiled.pattern);

  const lines: AsyncIterable<Buffer> | Buffer[] =
    options.file !== undefined ? fileLines(options.file) : [Buffer.from(options.line!, 'utf8')];
  let read = 0;
  let matched = 0;
  try {
    for await (const line of lines) {
      read++;
      const [hit] = matcher.match(line, 'stdout');
      if (!hit) continue;
      matched++;
      console.log(
        options.json
          ? JSON.stringify({ line: read, text: line.toString('utf8'), captures: hit.captures })
          : `line ${read}: ${JSON.stringify(hit.captures)} ${shown(line)}`,
      );
    }
  } catch (err) {
    if (options.file === undefined) throw err;
    throw new CliExit(2, `--file: cannot read ${options.file}: ${(err as Error).message}`);
  }
  if (options.file !== undefined && matched > 0)
    console.error(`logwarden: ${matched} of ${read} lines matched`);
  if (matched === 0) throw new CliExit(1, `no match (${read} line${read === 1 ? '' : 's'} read)`);
}

/** Adds `rules test` to the program (through .command, so it inherits exitOverride). */
export function registerRulesCommands(program: Command): void {
  const rules = program.command('rules').description('work with log-matching rules');
  rules
    .command('test')
    .description(
      'match an RE2 pattern against a line or a log file, offline; prints each matching ' +
        'line with its captures; exit 0 on a match, 1 on none, 2 on bad input',
    )
    .requiredOption('-p, --pattern <regex>', 'the RE2 pattern, as a rule would have it')
    .option('-l, --line <text>', 'one sample line')
    .option('-f, --file <path>', 'a log file, one line per line ("-" for stdin)')
    .option('--json', 'print one JSON object per match: {line, text, captures}')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        `  logwarden rules test --pattern 'code=(?P<code>\\d+)' --line 'ERROR code=42'\n` +
        `  logwarden rules test --pattern 'panic: (.*)' --file app.log`,
    )
    .action(rulesTest);
}
