import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Engine } from './engine.js';

const run = promisify(execFile);
const source = fileURLToPath(new URL('./generator.c', import.meta.url));
export const GENERATOR_IMAGE = 'logwarden-bench/lwgen:latest';
/** Every container the bench starts carries it, so a run can clear what a crashed one left. */
export const BENCH_LABEL = 'logwarden-bench=1';

/**
 * Compiles generator.c (gcc -O2 -static) and builds it into an image FROM scratch: no
 * registry is needed, and a C loop writes 50 000+ lines/s where a shell loop cannot.
 */
export async function buildGeneratorImage(engine: Engine): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'lwgen-'));
  try {
    await run('gcc', ['-O2', '-static', '-o', join(ctx, 'lwgen'), source]);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      'FROM scratch\nCOPY lwgen /lwgen\nENTRYPOINT ["/lwgen"]\n',
    );
    await engine.docker('build', '-q', '-t', GENERATOR_IMAGE, ctx);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

export async function removeBenchContainers(engine: Engine): Promise<void> {
  const ids = (await engine.docker('ps', '-aq', '--filter', `label=${BENCH_LABEL}`))
    .split('\n')
    .filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) await engine.docker('rm', '-f', ...ids.slice(i, i + 50));
}

/** What each generator of a set writes: the same for all of them. */
export interface GeneratorLoad {
  /** Lines per second of the whole set, split evenly over its containers. */
  totalRate: number;
  /** Share of lines that match one of the bench's 100 rules. */
  matchRatio: number;
  /** Every n-th matching line carries `notify` (0: none). */
  notifyEvery: number;
}

/** Containers running the generator, steered together through one control file. */
export class GeneratorSet {
  readonly ids: string[] = [];
  private seq = 0;

  private constructor(
    private readonly engine: Engine,
    private readonly dir: string,
    readonly size: number,
  ) {}

  /** Starts `size` idle generators (they write nothing until `load`). */
  static async start(engine: Engine, name: string, size: number): Promise<GeneratorSet> {
    const dir = mkdtempSync(join(tmpdir(), `lwgen-${name}-`));
    chmodSync(dir, 0o777);
    const set = new GeneratorSet(engine, dir, size);
    const queue = Array.from({ length: size }, (_, i) => i);
    const worker = async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const id = await engine.docker(
          'run',
          '-d',
          '--network',
          'none',
          '--label',
          BENCH_LABEL,
          '--name',
          `lwb-${name}-${i}-${process.pid}`,
          '-v',
          `${dir}:/p`,
          GENERATOR_IMAGE,
          '/p/control',
          `/p/progress-${i}`,
        );
        set.ids.push(id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, size) }, worker));
    return set;
  }

  load(load: GeneratorLoad): void {
    this.seq++;
    const perContainer = load.totalRate / this.size;
    const tmp = join(this.dir, 'control.tmp');
    writeFileSync(tmp, `${this.seq} ${perContainer} ${load.matchRatio} ${load.notifyEvery}\n`);
    // Renamed into place: a generator never reads half a control line.
    renameSync(tmp, join(this.dir, 'control'));
  }

  idle(): void {
    this.load({ totalRate: 0, matchRatio: 0, notifyEvery: 0 });
  }

  /** Lines the set's generators have written so far (as of their last 50 ms report). */
  written(): number {
    let sum = 0;
    for (let i = 0; i < this.size; i++) {
      try {
        sum += Number(readFileSync(join(this.dir, `progress-${i}`), 'utf8').trim() || 0);
      } catch {
        // not started yet
      }
    }
    return sum;
  }

  /** The generator processes (their CPU is shown, not charged to anyone). */
  async pids(): Promise<number[]> {
    const out = await this.engine.docker('inspect', '--format', '{{.State.Pid}}', ...this.ids);
    return out
      .split('\n')
      .map(Number)
      .filter((p) => p > 0);
  }

  async remove(): Promise<void> {
    for (let i = 0; i < this.ids.length; i += 50)
      await this.engine.docker('rm', '-f', ...this.ids.slice(i, i + 50));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
