import { rulesApi } from '../../api/rules';

export interface TriedLine {
  line: string;
  matched: boolean;
  captures: Record<string, string>;
}

const PARALLEL = 4;

/**
 * Runs the pattern over the lines with the server's RE2 (a browser RegExp differs), a
 * few requests at a time; identical lines are asked about once.
 */
export async function tryPatternOnLines(
  pattern: string,
  lines: readonly string[],
): Promise<TriedLine[]> {
  const distinct = [...new Set(lines)];
  const answers = new Map<string, { matched: boolean; captures: Record<string, string> }>();
  let next = 0;
  const worker = async () => {
    while (next < distinct.length) {
      const line = distinct[next++]!;
      answers.set(line, await rulesApi.test({ pattern, sample_line: line }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, distinct.length) }, worker));
  return lines.map((line) => ({ line, ...answers.get(line)! }));
}
