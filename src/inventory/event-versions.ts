/**
 * A version per container, bumped each time a Docker event for it is applied. A full
 * pass notes the version when it starts and leaves alone every container an event
 * changed after that: the event saw Docker later than the pass's list did, so the
 * index never goes back to what the pass saw.
 *
 * Bounded: the least recently changed containers are forgotten past `capacity`, and a
 * container forgotten after a pass started counts as changed (the pass skips it; the
 * next pass repairs it), never as unchanged.
 */
export class EventVersions {
  private clock = 0;
  private readonly last = new Map<string, number>();
  private forgottenUpTo = 0;

  constructor(private readonly capacity = 10_000) {}

  /** The version now: what a pass keeps to compare against later. */
  current(): number {
    return this.clock;
  }

  /** An event for `id` was applied. */
  touch(id: string): void {
    this.clock++;
    this.last.delete(id);
    this.last.set(id, this.clock);
    if (this.last.size > this.capacity) {
      const [oldest, version] = this.last.entries().next().value!;
      this.last.delete(oldest);
      this.forgottenUpTo = version;
    }
  }

  /** Whether an event for `id` was applied after `version` was current. */
  changedSince(id: string, version: number): boolean {
    const v = this.last.get(id);
    if (v !== undefined) return v > version;
    return this.forgottenUpTo > version;
  }
}
