import { describe, expect, it } from 'vitest';
import { EventVersions } from './event-versions.js';

describe('EventVersions', () => {
  it('tells which containers an event changed after a moment', () => {
    const versions = new EventVersions();
    versions.touch('a');
    const passStart = versions.current();
    expect(versions.changedSince('a', passStart)).toBe(false);
    expect(versions.changedSince('b', passStart)).toBe(false);
    versions.touch('b');
    expect(versions.changedSince('b', passStart)).toBe(true);
    expect(versions.changedSince('a', passStart)).toBe(false);
    versions.touch('a');
    expect(versions.changedSince('a', passStart)).toBe(true);
  });

  it('counts a container forgotten after the moment as changed, never as unchanged', () => {
    const versions = new EventVersions(2);
    versions.touch('old');
    const passStart = versions.current();
    versions.touch('x');
    versions.touch('y'); // 'old' is forgotten, but it was changed before passStart
    expect(versions.changedSince('old', passStart)).toBe(false);
    versions.touch('z'); // 'x' is forgotten: it was changed after passStart
    expect(versions.changedSince('x', passStart)).toBe(true);
    expect(versions.changedSince('never-seen', passStart)).toBe(true);
    expect(versions.changedSince('never-seen', versions.current())).toBe(false);
  });
});
