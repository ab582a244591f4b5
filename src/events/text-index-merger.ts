import type { Logger } from 'pino';
import { PeriodicTask } from '../periodic-task.js';
import { sleep } from '../sleep.js';

/** One bounded merge step; true when it did work (Store.mergeTextIndex). */
export type MergeTextIndexStep = (pages: number) => Promise<boolean>;

export interface TextIndexMergerOptions {
  intervalMs?: number;
  /** Pause between steps, for everyone else's queries. */
  pauseMs?: number;
}

/**
 * Pages one step writes: a few milliseconds (about 2 ms a page on a 2-vCPU EPYC, more
 * where the input segments are mostly deleted rows).
 */
export const MERGE_STEP_PAGES = 8;

/**
 * Keeps the event text index merged in small steps with a pause between them: what FTS5
 * would otherwise do inside whichever write crossed its thresholds, for seconds at a
 * time once the index is large (a hit's commit, a retention batch). A run steps until a
 * step finds nothing to merge.
 */
export class TextIndexMerger {
  private readonly task: PeriodicTask<number>;

  constructor(
    private readonly step: MergeTextIndexStep,
    log: Logger,
    private readonly options: TextIndexMergerOptions = {},
  ) {
    this.task = new PeriodicTask((signal) => this.run(signal), {
      name: 'text index merging',
      intervalMs: options.intervalMs ?? 1000,
      log,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Merges until there is nothing left to merge; returns the steps that did work. */
  mergeAll(): Promise<number> {
    return this.task.run();
  }

  private async run(signal: AbortSignal): Promise<number> {
    let steps = 0;
    while (!signal.aborted && (await this.step(MERGE_STEP_PAGES))) {
      steps++;
      await sleep(this.options.pauseMs ?? 5, signal);
    }
    return steps;
  }
}
