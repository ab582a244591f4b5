/**
 * The last `threshold` match times of one group key, in a ring: adding one is O(1), and
 * the condition holds when the oldest of them lies within the window of the newest.
 * After it held (a fire), the ring is emptied: the next fire needs `threshold` new
 * matches, so a steady flood fires once per `threshold` matches at most (and the
 * rule's cooldown thins the fires further).
 */
export class CountWindow {
  private readonly times: number[];
  private next = 0;
  private size = 0;

  constructor(
    readonly threshold: number,
    /** Milliseconds. */
    readonly windowMs: number,
    /** Oldest first, as toJSON() gives them; only the newest `threshold` are kept. */
    times: readonly number[] = [],
  ) {
    this.times = new Array<number>(threshold).fill(0);
    for (const t of times.slice(-threshold)) this.push(t);
  }

  get count(): number {
    return this.size;
  }

  /** The newest match time, or null when empty. */
  get newest(): number | null {
    if (this.size === 0) return null;
    return this.times[(this.next - 1 + this.threshold) % this.threshold]!;
  }

  /** Adds a match at `t` (ms); true when it completes `threshold` matches within the window. */
  add(t: number): boolean {
    this.push(t);
    if (this.size < this.threshold) return false;
    // Full: the slot to be written next holds the oldest of the last `threshold`.
    const oldest = this.times[this.next]!;
    if (t - oldest > this.windowMs) return false;
    this.size = 0;
    this.next = 0;
    return true;
  }

  /** Oldest first. */
  toJSON(): number[] {
    const out: number[] = [];
    for (let i = this.size; i > 0; i--)
      out.push(this.times[(this.next - i + this.threshold) % this.threshold]!);
    return out;
  }

  private push(t: number): void {
    this.times[this.next] = t;
    this.next = (this.next + 1) % this.threshold;
    if (this.size < this.threshold) this.size++;
  }
}
