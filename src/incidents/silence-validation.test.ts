import { describe, expect, it } from 'vitest';
import { storedEvent } from '../../test/support/fixtures.js';
import { ErrorCode, isAppError } from '../errors.js';
import { SilenceSnapshot } from './silence-matcher.js';
import { MAX_SILENCE_DAYS, type Silence } from './silence-model.js';
import { globMatch, inWindow, parseSchedule, parseSilence } from './silence-validation.js';

const NOW = Date.parse('2026-03-04T12:00:00Z'); // a Wednesday
const HOUR = 3_600_000;

function failure(fn: () => unknown): { code: string; field: string | undefined } {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return { code: err.code, field: err.field };
    throw err;
  }
  throw new Error('did not throw');
}

const valid = {
  matchers: { containers: ['web-*'] },
  ends_at: new Date(NOW + HOUR).toISOString(),
  comment: 'deploy',
};

const silence = (over: Partial<Silence> & Pick<Silence, 'matchers'>): Silence => ({
  id: 1,
  starts_at: NOW - HOUR,
  ends_at: NOW + HOUR,
  comment: 'c',
  author: 'admin',
  schedule: null,
  ended_by: null,
  created_at: NOW - HOUR,
  updated_at: NOW - HOUR,
  ...over,
});

const NONE = {
  rules: [],
  containers: [],
  workloads: [],
  hosts: [],
  severities: [],
  message_regex: '',
};
const names = { host: 'box', workloadName: null };

describe('silence validation', () => {
  it('accepts a silence with defaults filled in and the author given', () => {
    const parsed = parseSilence(valid, 'alice', NOW);
    expect(parsed).toEqual({
      matchers: { ...NONE, containers: ['web-*'] },
      starts_at: NOW,
      ends_at: NOW + HOUR,
      comment: 'deploy',
      author: 'alice',
      schedule: null,
    });
  });

  it('names the field of each refusal', () => {
    const cases: [object, string][] = [
      [{ ...valid, matchers: {} }, 'matchers'],
      [{ ...valid, matchers: { color: ['x'] } }, 'matchers.color'],
      [{ ...valid, matchers: { containers: [''] } }, 'matchers.containers[0]'],
      [{ ...valid, matchers: { severities: ['loud'] } }, 'matchers.severities[0]'],
      [{ ...valid, matchers: { rules: [{}] } }, 'matchers.rules[0]'],
      [{ ...valid, ends_at: undefined }, 'ends_at'],
      [{ ...valid, ends_at: 'tomorrow' }, 'ends_at'],
      [{ ...valid, starts_at: valid.ends_at }, 'ends_at'],
      [
        {
          ...valid,
          ends_at: new Date(NOW - 1).toISOString(),
          starts_at: new Date(NOW - HOUR).toISOString(),
        },
        'ends_at',
      ],
      [
        { ...valid, ends_at: new Date(NOW + (MAX_SILENCE_DAYS + 1) * 24 * HOUR).toISOString() },
        'ends_at',
      ],
      [{ ...valid, comment: '  ' }, 'comment'],
      [{ ...valid, schedule: { days: [], start: '02:00', duration_minutes: 30 } }, 'schedule.days'],
      [
        { ...valid, schedule: { days: ['mon'], start: '25:00', duration_minutes: 30 } },
        'schedule.start',
      ],
      [
        { ...valid, schedule: { days: ['mon'], start: '02:00', duration_minutes: 0 } },
        'schedule.duration_minutes',
      ],
      [
        {
          ...valid,
          schedule: {
            days: ['mon'],
            start: '02:00',
            duration_minutes: 5,
            timezone: 'Mars/Olympus',
          },
        },
        'schedule.timezone',
      ],
    ];
    for (const [input, field] of cases)
      expect(
        failure(() => parseSilence(input, 'a', NOW)),
        field,
      ).toEqual({
        code: ErrorCode.ValidationFailed,
        field,
      });
  });

  it('compiles the message regex with RE2 and refuses what RE2 refuses', () => {
    expect(
      failure(() => parseSilence({ ...valid, matchers: { message_regex: '(?=x)' } }, 'a', NOW)),
    ).toEqual({ code: ErrorCode.RuleInvalidPattern, field: 'matchers.message_regex' });
  });

  it('globs know only * and ?: other characters are themselves', () => {
    expect(globMatch('web-*', 'web-1')).toBe(true);
    expect(globMatch('web-?', 'web-12')).toBe(false);
    expect(globMatch('*-db-*', 'shop-db-1')).toBe(true);
    expect(globMatch('WEB', 'web')).toBe(true);
    expect(globMatch('a.c', 'abc')).toBe(false);
    expect(globMatch('(a|b)', 'a')).toBe(false);
    expect(globMatch('[ab]', 'a')).toBe(false);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('*a*a*a*a*a*b', 'a'.repeat(200))).toBe(false);
  });

  it('a schedule silences within its windows, across midnight and in its time zone', () => {
    const nightly = parseSchedule({ days: ['wed'], start: '23:30', duration_minutes: 60 })!;
    expect(nightly.timezone).toBe('UTC');
    expect(inWindow(nightly, Date.parse('2026-03-04T23:45:00Z'))).toBe(true);
    expect(inWindow(nightly, Date.parse('2026-03-05T00:15:00Z'))).toBe(true); // Thursday
    expect(inWindow(nightly, Date.parse('2026-03-05T00:30:00Z'))).toBe(false);
    expect(inWindow(nightly, Date.parse('2026-03-04T23:29:00Z'))).toBe(false);
    expect(inWindow(nightly, Date.parse('2026-03-11T23:40:00Z'))).toBe(true); // next Wednesday
    const berlin = parseSchedule({
      days: ['wed'],
      start: '02:00',
      duration_minutes: 30,
      timezone: 'Europe/Berlin',
    })!;
    expect(inWindow(berlin, Date.parse('2026-03-04T01:10:00Z'))).toBe(true); // 02:10 CET
    expect(inWindow(berlin, Date.parse('2026-03-04T02:10:00Z'))).toBe(false);
  });
});

describe('silence snapshot', () => {
  const hit = storedEvent({
    created_at: NOW,
    severity: 'error',
    message: 'disk full on /var',
    rule_id: 3,
    workload_id: 'shop',
    container_id: 'abc123',
    metadata: { rule_name: 'disk', container_name: 'shop-db-1' },
  });

  it('ANDs the matchers given and ORs within each list', () => {
    const match = (m: Partial<Silence['matchers']>) =>
      new SilenceSnapshot([silence({ matchers: { ...NONE, ...m } })]).match(hit, names) !== null;
    expect(match({ rules: [3] })).toBe(true);
    expect(match({ rules: ['disk'] })).toBe(true);
    expect(match({ rules: [4, 'disk'] })).toBe(true);
    expect(match({ rules: [4] })).toBe(false);
    expect(match({ containers: ['shop-*'] })).toBe(true);
    expect(match({ containers: ['abc*'] })).toBe(true);
    expect(match({ containers: ['web-*'] })).toBe(false);
    expect(match({ workloads: ['sh?p'] })).toBe(true);
    expect(match({ hosts: ['b*'] })).toBe(true);
    expect(match({ hosts: ['other'] })).toBe(false);
    expect(match({ severities: ['warn', 'error'] })).toBe(true);
    expect(match({ severities: ['critical'] })).toBe(false);
    expect(match({ message_regex: 'disk (full|gone)' })).toBe(true);
    expect(match({ message_regex: '^full' })).toBe(false);
    expect(match({ rules: [3], containers: ['web-*'] })).toBe(false);
    expect(match({ rules: [3], containers: ['shop-*'], severities: ['error'] })).toBe(true);
  });

  it('matches a workload by its name as well as its id', () => {
    const snapshot = new SilenceSnapshot([
      silence({ matchers: { ...NONE, workloads: ['The Shop'] } }),
    ]);
    expect(snapshot.readsWorkloadNames).toBe(true);
    expect(snapshot.match(hit, names)).toBeNull();
    expect(snapshot.match(hit, { ...names, workloadName: 'the shop' })).not.toBeNull();
  });

  it('silences only between its start and end, and within its windows', () => {
    const m = { ...NONE, rules: [3] };
    const later = new SilenceSnapshot([silence({ matchers: m, starts_at: NOW + 1 })]);
    expect(later.match(hit, names)).toBeNull();
    const over = new SilenceSnapshot([silence({ matchers: m, ends_at: NOW })]);
    expect(over.match(hit, names)).toBeNull();
    const windowed = (start: string) =>
      new SilenceSnapshot([
        silence({
          matchers: m,
          schedule: { days: ['wed'], start, duration_minutes: 30, timezone: 'UTC' },
        }),
      ]).match(hit, names);
    expect(windowed('11:45')).not.toBeNull();
    expect(windowed('12:01')).toBeNull();
  });
});
