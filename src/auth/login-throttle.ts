import ipaddr from 'ipaddr.js';

export interface LoginThrottleOptions {
  /** Failures from one address (any username) before it is locked. */
  ipFailures: number;
  /** Failures for one username from one address before that pair is locked. */
  pairFailures: number;
  /** The first lock; each further lock of the same key doubles it, up to maxLockMs. */
  lockMs: number;
  maxLockMs: number;
  /** Failures for one username (any address) after which every attempt is slowed. */
  usernameSlowAfter: number;
  maxDelayMs: number;
  /** A key with no failure for this long starts over. */
  forgetAfterMs: number;
  /** Keys kept at most; the oldest are forgotten first. */
  maxKeys: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleOptions = {
  ipFailures: 10,
  pairFailures: 5,
  lockMs: 60_000,
  maxLockMs: 60 * 60_000,
  usernameSlowAfter: 10,
  maxDelayMs: 5_000,
  forgetAfterMs: 60 * 60_000,
  maxKeys: 10_000,
};

interface Entry {
  failures: number;
  locks: number;
  lockedUntil: number;
  lastFailure: number;
}

/** Failure counts per key with exponential locks; bounded in memory. */
class FailureCounter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly threshold: number,
    private readonly options: LoginThrottleOptions,
  ) {}

  /** Locks the key once its failures reach the threshold (not before: see `undo`). */
  lockedFor(key: string, now: number): number {
    const entry = this.live(key, now);
    if (!entry) return 0;
    if (entry.lockedUntil <= now && entry.failures >= this.threshold) {
      const { lockMs, maxLockMs } = this.options;
      entry.lockedUntil = now + Math.min(lockMs * 2 ** entry.locks, maxLockMs);
      entry.locks++;
      entry.failures = 0;
    }
    return entry.lockedUntil > now ? entry.lockedUntil - now : 0;
  }

  failures(key: string, now: number): number {
    return this.live(key, now)?.failures ?? 0;
  }

  fail(key: string, now: number): void {
    const entry = this.live(key, now) ?? { failures: 0, locks: 0, lockedUntil: 0, lastFailure: 0 };
    entry.failures++;
    entry.lastFailure = now;
    this.entries.delete(key); // re-insert: Map order is the eviction order
    this.entries.set(key, entry);
    while (this.entries.size > this.options.maxKeys) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Takes back one failure counted in advance (the attempt succeeded). */
  undo(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.failures > 0) entry.failures--;
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.lockedUntil <= now && now - entry.lastFailure > this.options.forgetAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

export type ThrottleVerdict =
  { locked: true; retryAfterMs: number } | { locked: false; delayMs: number };

/**
 * Login throttling that an attacker cannot turn against the admin: an address, and a
 * username from one address, are locked after repeated failures; a username under
 * attack from many addresses is only slowed, never locked, so its owner can still sign
 * in from elsewhere.
 *
 * An attempt counts as a failure from the moment it starts (`attempt`), and is taken
 * back when it succeeds: parallel guesses cannot all pass the check before the first
 * failure is counted.
 */
export class LoginThrottle {
  private readonly byIp: FailureCounter;
  private readonly byPair: FailureCounter;
  private readonly byUsername: FailureCounter;

  constructor(private readonly options: LoginThrottleOptions = DEFAULT_LOGIN_THROTTLE) {
    this.byIp = new FailureCounter(options.ipFailures, options);
    this.byPair = new FailureCounter(options.pairFailures, options);
    this.byUsername = new FailureCounter(Number.POSITIVE_INFINITY, options);
  }

  /** Checks, then counts the attempt as failed until `succeeded` says otherwise. */
  attempt(ip: string, username: string, now: number): ThrottleVerdict {
    const source = clientKey(ip);
    const retryAfterMs = Math.max(
      this.byIp.lockedFor(source, now),
      this.byPair.lockedFor(pairKey(source, username), now),
    );
    if (retryAfterMs > 0) return { locked: true, retryAfterMs };
    const over = this.byUsername.failures(username, now) - this.options.usernameSlowAfter;
    const delayMs = over < 0 ? 0 : Math.min(250 * 2 ** over, this.options.maxDelayMs);
    this.byIp.fail(source, now);
    this.byPair.fail(pairKey(source, username), now);
    this.byUsername.fail(username, now);
    return { locked: false, delayMs };
  }

  succeeded(ip: string, username: string): void {
    const source = clientKey(ip);
    this.byIp.undo(source);
    this.byPair.forget(pairKey(source, username));
    this.byUsername.forget(username);
  }
}

const pairKey = (source: string, username: string) => `${source}\u0000${username}`;

/**
 * Who is asking, as far as throttling goes: an IPv4 address (also when IPv4-mapped),
 * or the /64 of an IPv6 address, since one client commonly holds a whole /64.
 */
export function clientKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const parsed = ipaddr.process(ip);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}
