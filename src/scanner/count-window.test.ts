import { describe, expect, it } from 'vitest';
import { CountWindow } from './count-window.js';

describe('CountWindow', () => {
  it('fires when the threshold is reached within the window, then starts over', () => {
    const w = new CountWindow(5, 10_000);
    expect([0, 2_000, 4_000, 6_000].map((t) => w.add(t))).toEqual([false, false, false, false]);
    expect(w.add(8_000)).toBe(true);
    expect(w.count).toBe(0);
    // The next fire needs five new matches.
    expect([9_000, 9_100, 9_200, 9_300].map((t) => w.add(t))).toEqual([false, false, false, false]);
    expect(w.add(9_400)).toBe(true);
  });

  it('slides: matches older than the window no longer count', () => {
    const w = new CountWindow(3, 10_000);
    expect(w.add(0)).toBe(false);
    expect(w.add(1_000)).toBe(false);
    expect(w.add(20_000)).toBe(false); // 0 is out of the window
    expect(w.add(25_000)).toBe(false); // 1 000 is out too
    expect(w.add(26_000)).toBe(true); // 20 000, 25 000, 26 000
  });

  it('four matches of a threshold of five never fire', () => {
    const w = new CountWindow(5, 10_000);
    for (let i = 0; i < 4; i++) expect(w.add(i)).toBe(false);
    expect(w.toJSON()).toEqual([0, 1, 2, 3]);
  });

  it('a threshold of one fires on every match', () => {
    const w = new CountWindow(1, 1_000);
    expect(w.add(5)).toBe(true);
    expect(w.add(6)).toBe(true);
  });

  it('round-trips through toJSON, keeping the newest threshold times in order', () => {
    const w = new CountWindow(3, 10_000);
    for (const t of [1, 2, 3, 4]) w.add(t * 100_000); // spread out: never fires
    expect(w.toJSON()).toEqual([200_000, 300_000, 400_000]);
    const again = new CountWindow(3, 10_000, w.toJSON());
    expect(again.toJSON()).toEqual([200_000, 300_000, 400_000]);
    expect(again.newest).toBe(400_000);
    expect(again.add(400_001)).toBe(false);
    expect(again.add(400_002)).toBe(true);
  });

  it('does not fire on matches spread over more than the window that arrive out of time order', () => {
    // One key fed by several tails (a workload, a capture seen in several containers):
    // a tail catching up delivers an old time after newer ones.
    const w = new CountWindow(5, 10_000);
    for (const t of [100_000, 200_000, 300_000, 400_000]) expect(w.add(t)).toBe(false);
    expect(w.add(50_000)).toBe(false);
    // Still fires when the last five, in whatever order, lie within the window.
    for (const t of [400_001, 400_003, 400_002, 400_004]) expect(w.add(t)).toBe(false);
    expect(w.add(400_000)).toBe(true);
  });
});
