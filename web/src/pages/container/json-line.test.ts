import { describe, expect, it } from 'vitest';
import { parseJsonLine } from './json-line';

describe('parseJsonLine', () => {
  it('puts the message first, then the level, then the rest in order', () => {
    expect(
      parseJsonLine('{"time":"t1","level":"error","msg":"disk full","code":42,"ctx":{"a":1}}'),
    ).toEqual({
      message: { key: 'msg', value: 'disk full' },
      level: { key: 'level', value: 'error' },
      rest: [
        { key: 'time', value: 't1' },
        { key: 'code', value: '42' },
        { key: 'ctx', value: '{"a":1}' },
      ],
    });
  });

  it('finds the message under message, @m and log, in that order of preference', () => {
    expect(parseJsonLine('{"message":"a","log":"b"}')?.message).toEqual({
      key: 'message',
      value: 'a',
    });
    expect(parseJsonLine('{"@m":"serilog","@l":"Warning"}')).toMatchObject({
      message: { key: '@m', value: 'serilog' },
      level: { key: '@l', value: 'Warning' },
    });
    expect(parseJsonLine('{"log":"fluent","stream":"stdout"}')?.message?.value).toBe('fluent');
  });

  it("reads ECS's nested log.level and keeps the rest of the log object", () => {
    expect(parseJsonLine('{"message":"m","log":{"level":"warn","logger":"app"},"x":1}')).toEqual({
      message: { key: 'message', value: 'm' },
      level: { key: 'log.level', value: 'warn' },
      rest: [
        { key: 'log', value: '{"logger":"app"}' },
        { key: 'x', value: '1' },
      ],
    });
    expect(parseJsonLine('{"log.level":"info","msg":"flat"}')?.level?.key).toBe('log.level');
  });

  it('takes a numeric level as it is (bunyan, pino)', () => {
    expect(parseJsonLine('{"level":50,"msg":"x"}')?.level).toEqual({ key: 'level', value: '50' });
  });

  it('is null for anything but one JSON object', () => {
    expect(parseJsonLine('plain text')).toBeNull();
    expect(parseJsonLine('[1,2]')).toBeNull();
    expect(parseJsonLine('{not json}')).toBeNull();
    expect(parseJsonLine('{"a":1} trailing')).toBeNull();
    expect(parseJsonLine('prefix {"a":1}')).toBeNull();
  });

  it('keeps markup in values as plain strings', () => {
    expect(parseJsonLine('{"msg":"<script>alert(1)</script>"}')?.message?.value).toBe(
      '<script>alert(1)</script>',
    );
  });

  it('has no message when no message key holds a string', () => {
    expect(parseJsonLine('{"msg":{"nested":true},"n":1}')).toEqual({
      message: null,
      level: null,
      rest: [
        { key: 'msg', value: '{"nested":true}' },
        { key: 'n', value: '1' },
      ],
    });
  });
});
