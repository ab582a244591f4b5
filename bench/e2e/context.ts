import type { SeededDatabase } from './database.js';
import type { Engine } from './engine.js';
import type { GeneratorSet } from './generator.js';
import type { Api, Served } from './process.js';

/** What every section of the bench gets. */
export interface BenchContext {
  engine: Engine;
  /** The running Logwarden; a section that restarts it replaces it here. */
  served: Served;
  api: Api;
  /** Restarts Logwarden on the same data directory (the token stays valid). */
  restart(): Promise<void>;
  /** Stops Logwarden (until `start`). */
  stopServed(): Promise<void>;
  startServed(): Promise<void>;
  options: BenchOptions;
  /** Prints one JSON line and keeps the record for the final table. */
  emit(record: BenchRecord): void;
  /** The file of the 100 rules' patterns, one per line (for grep -E -f). */
  patternsFile: string;
  /** The database section's events, seeded while the memory section runs. */
  seededDatabase?: SeededDatabase;
  /** Idle generator sets one section leaves for another, by size (taken out when used). */
  spareSets: Map<number, GeneratorSet>;
}

export interface BenchOptions {
  target: string;
  /** Seconds each measured window lasts. */
  cellSeconds: number;
  containers: number[];
  rates: number[];
  peer: boolean;
  matchRatio: number;
  downtimeSeconds: number;
  catchupLines: number;
  catchupContainers: number;
  idleTails: number[];
  /** Events seeded for the database section. */
  databaseRows: number;
}

export interface BenchRecord {
  section: string;
  [key: string]: unknown;
}

/** One section of the bench: a name (for --sections) and what it runs. */
export interface BenchSection {
  name: string;
  run(ctx: BenchContext): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wall-clock time in ms with sub-millisecond precision (CLOCK_REALTIME, as the generator's). */
export const nowMs = () => performance.timeOrigin + performance.now();

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
