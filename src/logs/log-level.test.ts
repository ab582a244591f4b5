import { describe, expect, it } from 'vitest';
import { detectLevel, LEVEL_HEAD_CHARS, parseLevels } from './log-level.js';

describe('detectLevel', () => {
  it.each([
    ['{"level":"error","msg":"boom"}', 'error'],
    ['{"severity":"WARNING","message":"disk"}', 'warn'],
    ['{"@l":"Information","@mt":"started"}', 'info'],
    ['{"@l":"Verbose"}', 'trace'],
    ['{"log.level":"debug"}', 'debug'],
    ['{"log":{"level":"fatal"},"message":"x"}', 'fatal'],
    ['{"lvl":"crit"}', 'fatal'],
    ['{"level":"dpanic"}', 'error'],
    ['  {"level":"warn"}', 'warn'],
  ])('reads the level key of a JSON line: %s', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });

  it.each([
    [10, 'trace'],
    [20, 'debug'],
    [30, 'info'],
    [40, 'warn'],
    [50, 'error'],
    [60, 'fatal'],
  ])('reads numeric pino/bunyan level %i', (n, level) => {
    expect(detectLevel(`{"level":${n},"time":1,"msg":"x"}`)).toBe(level);
    expect(detectLevel(`{"level":"${n}"}`)).toBe(level);
  });

  it('takes the JSON key over words in the message', () => {
    expect(detectLevel('{"level":"info","msg":"ERROR count is 0"}')).toBe('info');
  });

  it('has no level for JSON without a level key, even when the message has a word', () => {
    expect(detectLevel('{"msg":"ERROR in text"}')).toBeNull();
    expect(detectLevel('{"level":true}')).toBeNull();
  });

  it('falls back to the text for JSON cut short', () => {
    expect(detectLevel('{"level":"warn","msg":"very long line cut her')).toBe('warn');
  });

  it.each([
    ['E1201 12:00:00.000000   1 reflector.go:123] failed to list', 'error'],
    ['W0102 08:30:00.123456   7 main.go:1] slow', 'warn'],
    ['I1201 12:00:00.000000   1 main.go:1] ok', 'info'],
    ['F1201 12:00:00.000000   1 main.go:1] dead', 'fatal'],
  ])('reads klog prefixes: %s', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });

  it.each([
    ['2024-01-01T00:00:00Z ERROR failed to connect', 'error'],
    ['[WARN] low disk', 'warn'],
    ['2024/01/01 12:00:00 [error] 7#7: *1 open() failed', 'error'],
    ['time=2024-01-01 level=warn msg="slow"', 'warn'],
    ['ts=1 lvl=DEBUG msg=x', 'debug'],
    ['ERROR:root:division by zero', 'error'],
    ['WARNING: something', 'warn'],
    ['12:00AM INF listening addr=:8080', 'info'],
    ['<Error> broken', 'error'],
    ['\x1b[31mERROR\x1b[0m colourful', 'error'],
    ['[main] [INFO] started', 'info'],
    ['INFO request failed with ERROR code 3', 'info'],
    ['2024-01-01 12:00:00.000 FATAL out of memory', 'fatal'],
    ['DEBUG x', 'debug'],
    ['TRACE y', 'trace'],
  ])('reads text markers: %s', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });

  it.each([
    'hello world',
    'no errors here',
    'ERROR_CODE=3 is a variable name',
    'an error occurred', // lower case and unbracketed: prose, not a level
    'PREFIX-ERROR-SUFFIX',
    '',
    '   ',
    '[main] started',
  ])('gives null when nothing names a level: %s', (line) => {
    expect(detectLevel(line)).toBeNull();
  });

  it('looks for words only in the head of the line', () => {
    expect(detectLevel(`${'x'.repeat(LEVEL_HEAD_CHARS)} ERROR late`)).toBeNull();
    expect(detectLevel(`${'x'.repeat(LEVEL_HEAD_CHARS - 10)} ERROR early`)).toBe('error');
  });

  it.each([
    '{"level":"__proto__","msg":"x"}',
    '{"level":"constructor","msg":"x"}',
    '[constructor] starting',
    'level=hasOwnProperty started',
  ])('finds no level in a word an object inherits: %s', (line) => {
    expect(detectLevel(line)).toBeNull();
  });

  it('gives the same answer when called repeatedly (shared regex state)', () => {
    for (let i = 0; i < 3; i++) {
      expect(detectLevel('[main] WARN a')).toBe('warn');
      expect(detectLevel('plain')).toBeNull();
    }
  });
});

describe('parseLevels', () => {
  it('parses a comma list and names the unknown ones', () => {
    const { levels, unknown } = parseLevels('error, WARN,,loud');
    expect([...levels]).toEqual(['error', 'warn']);
    expect(unknown).toEqual(['loud']);
  });
});
