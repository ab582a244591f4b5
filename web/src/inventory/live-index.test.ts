import { describe, expect, it } from 'vitest';
import type { Container } from '../api/types';
import {
  applyMessages,
  isFolded,
  nextFold,
  runningFirst,
  type InventoryMessage,
} from './live-index';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const c = (name: string, state: Container['state'], seenAt = T0) =>
  ({ id: name, name, state, last_seen_at: new Date(seenAt).toISOString() }) as Container;
const snapshot = (items: Container[], seconds = 600): InventoryMessage => ({
  kind: 'snapshot',
  snapshot: { items, gone_hide_after_seconds: seconds },
});
const change = (type: 'added' | 'updated' | 'gone', container: Container): InventoryMessage => ({
  kind: 'change',
  change: { type, container },
});

describe('applyMessages', () => {
  it('applies changes by id over the snapshot, in order', () => {
    const index = applyMessages(null, [
      snapshot([c('web', 'running'), c('db', 'running')]),
      change('added', c('worker', 'running')),
      change('updated', c('db', 'stopped')),
      change('gone', c('web', 'missing')),
    ]);
    expect(index?.goneHideAfterMs).toBe(600_000);
    expect([...index!.containers.values()].map((x) => [x.name, x.state])).toEqual([
      ['web', 'missing'],
      ['db', 'stopped'],
      ['worker', 'running'],
    ]);
  });

  it('lets a new snapshot (a reconnect) replace everything, also changes queued before it', () => {
    const before = applyMessages(null, [snapshot([c('web', 'running'), c('old', 'running')])]);
    const after = applyMessages(before, [
      change('updated', c('web', 'stopped')),
      snapshot([c('web', 'running')], 0),
    ]);
    expect([...after!.containers.values()].map((x) => [x.name, x.state])).toEqual([
      ['web', 'running'],
    ]);
    expect(after!.goneHideAfterMs).toBe(0);
    // The index it started from is left as it was.
    expect(before!.containers.size).toBe(2);
  });

  it('ignores a change before any snapshot', () => {
    expect(applyMessages(null, [change('added', c('web', 'running'))])).toBeNull();
  });
});

describe('folding gone containers', () => {
  const hide = 60_000;
  it('keeps a gone container listed until the setting has passed since it was last seen', () => {
    const gone = c('web', 'missing', T0);
    expect(isFolded(gone, T0 + hide - 1, hide)).toBe(false);
    expect(isFolded(gone, T0 + hide, hide)).toBe(true);
    expect(isFolded(c('db', 'stopped', T0), T0 + 10 * hide, hide)).toBe(false);
    expect(isFolded(gone, T0, 0)).toBe(true);
  });

  it('says when the next listed gone container folds', () => {
    const list = [c('a', 'missing', T0), c('b', 'missing', T0 + 5000), c('r', 'running', T0)];
    expect(nextFold(list, T0 + 1000, hide)).toBe(T0 + hide);
    expect(nextFold(list, T0 + hide, hide)).toBe(T0 + 5000 + hide);
    expect(nextFold(list, T0 + 5000 + hide, hide)).toBeNull();
  });
});

describe('runningFirst', () => {
  it('lists running containers first, the gone last, each by name', () => {
    const list = [c('z', 'missing'), c('b', 'stopped'), c('y', 'running'), c('a', 'running')];
    expect(runningFirst(list).map((x) => x.name)).toEqual(['a', 'y', 'b', 'z']);
  });
});
