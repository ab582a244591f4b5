import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../events/model.js';
import { parseFilter, PatternCache, TriggerMatcher } from './filter.js';
import { EMPTY_FILTER, type Trigger, type TriggerFilter } from './model.js';
import { storedEvent } from '../../test/support/fixtures.js';

const event = (over: Partial<StoredEvent> = {}): StoredEvent =>
  storedEvent({
    created_at: 0,
    message: 'ERROR 42 disk full',
    workload_id: 'shop',
    container_id: 'c1',
    rule_id: 1,
    ...over,
  });

let nextId = 1;
const trigger = (filter: Partial<TriggerFilter>, over: Partial<Trigger> = {}): Trigger => ({
  id: nextId++,
  name: 't',
  enabled: true,
  filter: { ...EMPTY_FILTER, ...filter },
  channel: { type: 'webhook', url: 'https://example.net/', headers: {}, body_template: null },
  secret: 'whsec_x',
  disabled_reason: null,
  group_wait_seconds: 0,
  group_interval_seconds: 0,
  notify_on: ['event'],
  repeat_interval_seconds: 0,
  context_wait_seconds: 3,
  created_at: 0,
  updated_at: 0,
  ...over,
});

describe('trigger filters', () => {
  it('matches anything when empty, and ANDs the parts that are set', () => {
    const any = trigger({});
    const errorsInShop = trigger({ severities: ['error', 'critical'], workloads: ['shop'] });
    const diskFromLogs = trigger({ sources: ['logscan'], message_regex: 'disk (full|gone)' });
    const dockerOnly = trigger({ sources: ['docker'] });
    const off = trigger({}, { enabled: false });
    const matcher = TriggerMatcher.build(
      [any, errorsInShop, diskFromLogs, dockerOnly, off],
      new PatternCache(),
    );
    const ids = (e: StoredEvent) => matcher.match(e).map((t) => t.id);
    expect(ids(event())).toEqual([any.id, errorsInShop.id, diskFromLogs.id]);
    expect(ids(event({ severity: 'warn' }))).toEqual([any.id, diskFromLogs.id]);
    expect(ids(event({ workload_id: null }))).toEqual([any.id, diskFromLogs.id]);
    expect(ids(event({ message: 'disk ok' }))).toEqual([any.id, errorsInShop.id]);
    expect(ids(event({ source: 'docker', message: 'exited' }))).toEqual([
      any.id,
      errorsInShop.id,
      dockerOnly.id,
    ]);
  });

  it('compiles a trigger’s regex once per version, however often the set is rebuilt', () => {
    const cache = new PatternCache();
    const t = trigger({ message_regex: 'panic: (?P<what>.+)' });
    const other = trigger({ message_regex: 'OOM' });
    for (let i = 0; i < 5; i++) TriggerMatcher.build([t, other], cache);
    expect(cache.compiles).toBe(2);
    const changed = { ...t, updated_at: 1, filter: { ...t.filter, message_regex: 'fatal' } };
    const matcher = TriggerMatcher.build([changed, other], cache);
    expect(cache.compiles).toBe(3);
    expect(matcher.match(event({ message: 'fatal error' })).map((x) => x.id)).toEqual([t.id]);
  });

  it('parses only the fields sent over the stored filter, naming a bad one', () => {
    const stored = { ...EMPTY_FILTER, severities: ['error' as const], message_regex: 'x' };
    expect(parseFilter({ sources: ['docker'] }, stored)).toEqual({
      ...stored,
      sources: ['docker'],
    });
    expect(() => parseFilter({ severities: ['loud'] }, EMPTY_FILTER)).toThrow(
      expect.objectContaining({ field: 'filter.severities' }) as Error,
    );
    expect(() => parseFilter({ message_regex: '(?<=a)b' }, EMPTY_FILTER)).toThrow(
      expect.objectContaining({ field: 'filter.message_regex' }) as Error,
    );
    expect(() => parseFilter({ severity: ['error'] }, EMPTY_FILTER)).toThrow(
      expect.objectContaining({ field: 'filter.severity' }) as Error,
    );
  });

  it('narrows to hosts, `local` naming the serving process’s own engine', () => {
    const alpha = trigger({ hosts: ['alpha'] });
    const here = trigger({ hosts: ['local', 'bravo'] });
    const matcher = TriggerMatcher.build([alpha, here], new PatternCache());
    const ids = (e: StoredEvent) => matcher.match(e).map((t) => t.id);
    expect(ids(event({ host_id: 'alpha' }))).toEqual([alpha.id]);
    expect(ids(event({ host_id: 'bravo' }))).toEqual([here.id]);
    expect(ids(event({ host_id: null }))).toEqual([here.id]);
    expect(ids(event({ host_id: 'charlie' }))).toEqual([]);
  });

  it('takes host ids and `local`, naming filter.hosts when one is not', () => {
    expect(parseFilter({ hosts: ['alpha', 'local', 'alpha'] }, EMPTY_FILTER).hosts).toEqual([
      'alpha',
      'local',
    ]);
    for (const bad of [['Alpha'], ['a b'], [''], [7], 'alpha', Array(101).fill('a')])
      expect(() => parseFilter({ hosts: bad }, EMPTY_FILTER)).toThrow(
        expect.objectContaining({ field: 'filter.hosts' }) as Error,
      );
  });
});
