/**
 * The log level of one line, guessed the way a reader would: from a JSON line's level
 * field, else from a level word near the start of the text. One guess for every place
 * that shows or filters levels (history search, the live log, the UI), so a line has
 * the same level everywhere. Node-free: the web UI imports it too.
 */

import { LOG_LEVELS, type LogLevel } from './model.js';

export { LOG_LEVELS, type LogLevel };

/** JSON keys that hold a level, in the order they are tried (`log.level` is ECS, `@l` Serilog). */
const JSON_KEYS = ['level', 'severity', '@l', 'log.level', 'lvl', 'loglevel'] as const;

/**
 * Level words are looked for only this far into the line: a level is a prefix, while
 * "no ERROR found" deep in a message is text, and a 1 MiB line is not scanned whole.
 */
export const LEVEL_HEAD_CHARS = 200;

/** Spellings of the levels (lower case): syslog, zap, zerolog, Serilog, GCP, log4j, Python. */
const WORDS: Record<string, LogLevel> = {
  fatal: 'fatal',
  ftl: 'fatal',
  panic: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  alert: 'fatal',
  error: 'error',
  err: 'error',
  eror: 'error',
  dpanic: 'error',
  severe: 'error',
  warn: 'warn',
  warning: 'warn',
  wrn: 'warn',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  debug: 'debug',
  dbg: 'debug',
  trace: 'trace',
  trc: 'trace',
  verbose: 'trace',
  fine: 'debug',
  finer: 'trace',
  finest: 'trace',
};

/** Own keys only: a line saying `"level":"__proto__"` must not find Object.prototype. */
const word = (value: string): LogLevel | null => {
  const key = value.toLowerCase();
  return Object.hasOwn(WORDS, key) ? (WORDS[key] ?? null) : null;
};

/** pino and bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
function numeric(value: number): LogLevel | null {
  if (!Number.isFinite(value) || value < 10) return null;
  if (value >= 60) return 'fatal';
  if (value >= 50) return 'error';
  if (value >= 40) return 'warn';
  if (value >= 30) return 'info';
  if (value >= 20) return 'debug';
  return 'trace';
}

function fromValue(value: unknown): LogLevel | null {
  if (typeof value === 'number') return numeric(value);
  if (typeof value !== 'string') return null;
  return /^\d+$/.test(value) ? numeric(Number(value)) : word(value.trim());
}

function fromJson(text: string): LogLevel | null | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined; // not JSON after all (or cut): the text heuristics still apply
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  for (const key of JSON_KEYS) {
    if (Object.hasOwn(record, key)) return fromValue(record[key]);
  }
  const log = record['log'];
  if (log !== null && typeof log === 'object' && Object.hasOwn(log, 'level'))
    return fromValue((log as Record<string, unknown>)['level']);
  return null;
}

/** klog / glog: `E1201 12:00:00.000000 …` (severity letter, month, day, time). */
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}\.\d{6}/;
const KLOG_LEVELS: Record<string, LogLevel> = { I: 'info', W: 'warn', E: 'error', F: 'fatal' };

/**
 * The first level marker in the head of the line: `level=warn` / `"level":"warn"`
 * (logfmt, or JSON cut too short to parse), a bracketed word in any case (`[warn]`,
 * `<Error>`), or an upper-case word on its own (`ERROR`, `WARN:`, zerolog's `INF`).
 */
const MARKER =
  /(?:\b(?:level|lvl|severity)"?\s*[=:]\s*"?([A-Za-z]+|\d+))|[[<(]([A-Za-z]{3,13})[\]>)]|(?<![\w.-])(FATAL|PANIC|CRITICAL|CRIT|FTL|ERROR|ERR|SEVERE|WARNING|WARN|WRN|INFO|INF|NOTICE|DEBUG|DBG|TRACE|TRC)(?![\w-])/g;

/** ANSI SGR colour codes, which log libraries wrap around the level word. */
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

function fromText(text: string): LogLevel | null {
  const klog = KLOG.exec(text);
  if (klog) return KLOG_LEVELS[klog[1]!]!;
  let head = text.length > LEVEL_HEAD_CHARS ? text.slice(0, LEVEL_HEAD_CHARS) : text;
  if (head.includes('\x1b')) head = head.replace(SGR, '');
  // One shared global regex: detectLevel runs synchronously, so lastIndex is ours.
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(head); m !== null; m = MARKER.exec(head)) {
    const [, keyed, bracketed, bare] = m;
    const level = keyed !== undefined ? fromValue(keyed) : word(bracketed ?? bare!);
    if (level !== null) return level;
  }
  return null;
}

/** The line's level, or null when nothing in it names one. */
export function detectLevel(text: string): LogLevel | null {
  const start = text.length > 0 && text.charCodeAt(0) === 0x7b ? 0 : text.search(/\S/);
  if (start >= 0 && text.charCodeAt(start) === 0x7b /* { */) {
    const level = fromJson(start === 0 ? text : text.slice(start));
    if (level !== undefined) return level;
  }
  return fromText(text);
}

/** Parses a comma list such as `error,warn`; unknown names come back in `unknown`. */
export function parseLevels(list: string): { levels: Set<LogLevel>; unknown: string[] } {
  const levels = new Set<LogLevel>();
  const unknown: string[] = [];
  for (const part of list.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    if ((LOG_LEVELS as readonly string[]).includes(name)) levels.add(name as LogLevel);
    else unknown.push(part.trim());
  }
  return { levels, unknown };
}
