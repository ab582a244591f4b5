import { describe, expect, it } from 'vitest';
import { containerRecord } from '../../test/support/fixtures.js';
import type { InventorySnapshot } from './messages.js';
import { SnapshotAssembler } from './snapshot-assembler.js';

const c = (n: number) => containerRecord(String(n).padStart(64, '0'));

function part(
  snapshot: string,
  index: number,
  parts: number,
  over: Partial<InventorySnapshot> = {},
): InventorySnapshot {
  return {
    v: 1,
    host: 'web-1',
    agent: 'a',
    sent_at: 1_000 + index,
    type: 'snapshot',
    snapshot,
    part: index,
    parts,
    containers: [c(index)],
    ...over,
  };
}

describe('SnapshotAssembler', () => {
  it('completes a snapshot when its last part arrives, in part order, at its first time', () => {
    const a = new SnapshotAssembler();
    expect(a.add(part('s1', 2, 3), 0)).toBeNull();
    expect(a.add(part('s1', 0, 3), 0)).toBeNull();
    expect(a.add(part('s1', 0, 3), 0)).toBeNull();
    const whole = a.add(part('s1', 1, 3), 0);
    expect(whole).toEqual({
      host: 'web-1',
      snapshot: 's1',
      observedAt: 1_000,
      containers: [c(0), c(1), c(2)],
    });
    // Held until stored: a redelivered part finds it whole again.
    expect(a.add(part('s1', 1, 3), 0)).toEqual(whole);
    a.done('web-1', 's1');
    expect(a.pending).toBe(0);
  });

  it('lets a newer snapshot supersede an unfinished one, and drops parts of an older', () => {
    const a = new SnapshotAssembler();
    a.add(part('old', 0, 2), 0);
    a.add(part('new', 0, 2, { sent_at: 5_000 }), 0);
    expect(a.add(part('old', 1, 2), 0)).toBeNull();
    expect(a.add(part('new', 1, 2, { sent_at: 5_001 }), 0)).toMatchObject({ snapshot: 'new' });
    expect(a.dropped).toBe(2);
  });

  it('drops a snapshot that stays incomplete too long, and keeps at most so many', () => {
    const a = new SnapshotAssembler({ staleAfterMs: 100, maxPending: 2 });
    a.add(part('s1', 0, 2), 0);
    expect(a.add(part('s1', 1, 2), 101)).toBeNull();
    expect(a.dropped).toBe(1);
    a.add(part('x', 0, 2, { host: 'h-2' }), 101);
    a.add(part('x', 0, 2, { host: 'h-3' }), 101);
    expect(a.pending).toBe(2);
    expect(a.add(part('s1', 0, 2), 101)).toBeNull();
    expect(a.pending).toBe(2);
  });
});
