import type { Logger } from 'pino';

/** A part to stop, named for the log. */
export type StopStep = [name: string, stop: () => unknown];

/**
 * Stops each part in the order given. A failing step is logged and never skips the
 * steps after it; the failures are thrown together at the end.
 */
export async function stopInOrder(steps: readonly StopStep[], logger: Logger): Promise<void> {
  const failures: unknown[] = [];
  for (const [name, stop] of steps) {
    try {
      await stop();
    } catch (err) {
      failures.push(err);
      logger.error({ err, part: name }, 'stopping failed');
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'some parts failed to stop');
}
