import { describe, expect, it } from 'vitest';
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from './login-throttle.js';

const opts = DEFAULT_LOGIN_THROTTLE;

describe('login throttle', () => {
  it('locks an address after repeated failures, whatever the usernames', () => {
    const t = new LoginThrottle();
    for (let i = 0; i < opts.ipFailures; i++) {
      expect(t.check('10.0.0.1', `user${i % 3}`, 0).locked).toBe(false);
      t.failed('10.0.0.1', `user${i % 3}`, 0);
    }
    const verdict = t.check('10.0.0.1', 'someone-else', 1);
    expect(verdict).toEqual({ locked: true, retryAfterMs: opts.lockMs - 1 });
    expect(t.check('10.0.0.1', 'admin', opts.lockMs).locked).toBe(false);
  });

  it('locks a username from one address but never from every address', () => {
    const t = new LoginThrottle();
    for (let i = 0; i < opts.pairFailures; i++) t.failed('10.0.0.1', 'admin', 0);
    expect(t.check('10.0.0.1', 'admin', 0).locked).toBe(true);
    expect(t.check('10.0.0.1', 'bob', 0).locked).toBe(false);
    expect(t.check('10.0.0.2', 'admin', 0).locked).toBe(false);
  });

  it('slows a username attacked from many addresses, exponentially and capped', () => {
    const t = new LoginThrottle();
    for (let i = 0; i < opts.usernameSlowAfter; i++) t.failed(`10.0.1.${i}`, 'admin', 0);
    expect(t.check('10.9.9.9', 'admin', 0)).toEqual({ locked: false, delayMs: 250 });
    t.failed('10.0.2.1', 'admin', 0);
    expect(t.check('10.9.9.9', 'admin', 0)).toEqual({ locked: false, delayMs: 500 });
    for (let i = 0; i < 20; i++) t.failed(`10.0.3.${i}`, 'admin', 0);
    expect(t.check('10.9.9.9', 'admin', 0)).toEqual({ locked: false, delayMs: opts.maxDelayMs });
    t.succeeded('10.9.9.9', 'admin');
    expect(t.check('10.9.9.9', 'admin', 0)).toEqual({ locked: false, delayMs: 0 });
  });

  it('doubles each further lock of the same address', () => {
    const t = new LoginThrottle();
    let now = 0;
    for (const expected of [opts.lockMs, opts.lockMs * 2, opts.lockMs * 4]) {
      for (let i = 0; i < opts.ipFailures; i++) t.failed('10.0.0.1', `u${i}`, now);
      const verdict = t.check('10.0.0.1', 'x', now);
      expect(verdict).toEqual({ locked: true, retryAfterMs: expected });
      now += expected;
    }
  });

  it('keeps at most maxKeys addresses in memory', () => {
    const t = new LoginThrottle({ ...opts, maxKeys: 100, ipFailures: 2 });
    t.failed('victim', 'a', 0);
    for (let i = 0; i < 500; i++) t.failed(`spray${i}`, 'a', 0);
    // The oldest entry was evicted: one more failure does not reach the threshold.
    t.failed('victim', 'b', 0);
    expect(t.check('victim', 'c', 0).locked).toBe(false);
  });
});
