import { describe, expect, it } from 'vitest';
import {
  STREAM_SUBJECTS,
  committedSubject,
  followSubject,
  followDeliverSubject,
  hostSubject,
  isHostId,
  msgId,
  parseHostSubject,
} from './subjects.js';

describe('subjects', () => {
  it('puts the host in the subject and reads it back', () => {
    expect(hostSubject('web-1', 'hits')).toBe('logwarden.web-1.hits');
    expect(parseHostSubject('logwarden.web-1.hits')).toEqual({ host: 'web-1', kind: 'hits' });
    expect(parseHostSubject('logwarden.web-1.logs.follow')).toBeNull();
    expect(parseHostSubject('logwarden.Web.hits')).toBeNull();
  });

  it('refuses host ids that are not one subject token', () => {
    for (const bad of ['', 'a.b', 'a*', '>', 'A', 'a b', '-a', 'x'.repeat(65)])
      expect(isHostId(bad), bad).toBe(false);
    expect(() => hostSubject('a.b', 'events')).toThrow(/not a host id/);
  });

  it("reserves `local`, the API's name for the serving process's own engine", () => {
    expect(isHostId('local')).toBe(false);
    expect(isHostId('local-1')).toBe(true);
    expect(parseHostSubject('logwarden.local.events')).toBeNull();
  });

  it('keeps core-NATS subjects out of the stream', () => {
    const captured = (subject: string) =>
      STREAM_SUBJECTS.some((pattern) => {
        const p = pattern.split('.');
        const s = subject.split('.');
        return p.length === s.length && p.every((t, i) => t === '*' || t === s[i]);
      });
    expect(captured(hostSubject('web-1', 'status'))).toBe(true);
    expect(captured(followSubject('web-1'))).toBe(false);
    expect(captured(followDeliverSubject('web-1', 'abcdef0123456789'))).toBe(false);
    expect(() => followDeliverSubject('web-1', 'a.b')).toThrow(/not a follow session/);
    expect(captured(committedSubject('web-1'))).toBe(false);
    expect(captured(committedSubject(null))).toBe(false);
  });

  it('makes the same message id for the same observation', () => {
    const a = msgId.hit('web-1', 'c1', 'stderr', 1_733_000_000_000_000_001n, 2, 9);
    expect(a).toBe('hit:web-1:c1:stderr:1733000000000000001:2:9');
    expect(msgId.hit('web-1', 'c1', 'stderr', '1733000000000000001', 2, 9)).toBe(a);
    expect(msgId.hit('web-1', 'c1', 'stderr', 1_733_000_000_000_000_001n, 3, 9)).not.toBe(a);
    expect(msgId.context(a)).toBe(`ctx:${a}`);
  });
});
