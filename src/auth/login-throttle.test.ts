import { describe, expect, it } from 'vitest';
import { clientKey, DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './login-throttle.js';

const opts = DEFAULT_LOGIN_THROTTLE;

describe('login throttle', () => {
  it('locks an address after repeated failures, whatever the usernames', () => {
    const t = new LoginThrottle();
    for (let i = 0; i < opts.ipFailures; i++)
      expect(t.attempt('10.0.0.1', `user${i % 3}`, 0).locked).toBe(false);
    expect(t.attempt('10.0.0.1', 'someone-else', 1)).toEqual({
      locked: true,
      retryAfterMs: opts.lockMs,
    });
    expect(t.attempt('10.0.0.1', 'admin', opts.lockMs).locked).toBe(true);
    expect(t.attempt('10.0.0.1', 'admin', 1 + opts.lockMs).locked).toBe(false);
  });

  it('counts an attempt before its password is checked: parallel guesses cannot slip past', () => {
    const t = new LoginThrottle();
    // All started before any finished: the 11th is refused at once.
    const verdicts = Array.from({ length: 40 }, (_, i) => t.attempt('10.0.0.1', `u${i}`, 0));
    expect(verdicts.filter((v) => !v.locked)).toHaveLength(opts.ipFailures);
  });

  it('takes back the attempt that succeeded', () => {
    const t = new LoginThrottle();
    for (let i = 0; i < opts.ipFailures - 1; i++) t.attempt('10.0.0.1', `u${i}`, 0);
    t.attempt('10.0.0.1', 'admin', 0);
    t.succeeded('10.0.0.1', 'admin');
    expect(t.attempt('10.0.0.1', 'x', 0).locked).toBe(false);
    expect(t.attempt('10.0.0.1', 'y', 0).locked).toBe(true);
  });

  it('locks a username from one address but never from every address', () => {
    const t = new LoginThrottle();
    for (let i = 0; i < opts.pairFailures; i++) t.attempt('10.0.0.1', 'admin', 0);
    expect(t.attempt('10.0.0.1', 'admin', 0).locked).toBe(true);
    expect(t.attempt('10.0.0.1', 'bob', 0).locked).toBe(false);
    expect(t.attempt('10.0.0.2', 'admin', 0).locked).toBe(false);
  });

  it('slows a username attacked from many addresses, exponentially and capped', () => {
    const t = new LoginThrottle();
    for (let i = 0; i < opts.usernameSlowAfter; i++) t.attempt(`10.0.1.${i}`, 'admin', 0);
    expect(t.attempt('10.9.9.1', 'admin', 0)).toEqual({ locked: false, delayMs: 250 });
    expect(t.attempt('10.9.9.2', 'admin', 0)).toEqual({ locked: false, delayMs: 500 });
    for (let i = 0; i < 20; i++) t.attempt(`10.0.3.${i}`, 'admin', 0);
    expect(t.attempt('10.9.9.3', 'admin', 0)).toEqual({
      locked: false,
      delayMs: opts.maxDelayMs,
    });
    t.succeeded('10.9.9.3', 'admin');
    expect(t.attempt('10.9.9.4', 'admin', 0)).toEqual({ locked: false, delayMs: 0 });
  });

  it('doubles each further lock of the same address', () => {
    const t = new LoginThrottle();
    let now = 0;
    for (const expected of [opts.lockMs, opts.lockMs * 2, opts.lockMs * 4]) {
      for (let i = 0; i < opts.ipFailures; i++) t.attempt('10.0.0.1', `u${i}`, now);
      expect(t.attempt('10.0.0.1', 'x', now)).toEqual({ locked: true, retryAfterMs: expected });
      now += expected;
    }
  });

  it('treats an IPv6 /64 as one client, and IPv4-mapped as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:ffff::9'));
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
    expect(clientKey('::ffff:10.0.0.1')).toBe('10.0.0.1');
    const t = new LoginThrottle();
    for (let i = 0; i < opts.ipFailures; i++) t.attempt(`2001:db8::${i + 1}`, `u${i}`, 0);
    expect(t.attempt('2001:db8::ffff', 'admin', 0).locked).toBe(true);
    expect(t.attempt('2001:db8:0:1::1', 'admin', 0).locked).toBe(false);
  });

  it('keeps at most maxKeys addresses in memory', () => {
    const t = new LoginThrottle({ ...opts, maxKeys: 100, ipFailures: 2 });
    t.attempt('victim', 'a', 0);
    for (let i = 0; i < 500; i++) t.attempt(`spray${i}`, 'a', 0);
    // The oldest entry was evicted: its first failure is forgotten.
    expect(t.attempt('victim', 'b', 0).locked).toBe(false);
    expect(t.attempt('victim', 'c', 0).locked).toBe(false);
    expect(t.attempt('victim', 'd', 0).locked).toBe(true);
  });
});
