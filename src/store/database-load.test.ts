import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
/** A fresh process compiling TypeScript through tsx: slow on a loaded machine. */
const SPAWN_TIMEOUT_MS = 120_000;

/**
 * In a fresh process (this one's module cache is shared with other tests): opens a
 * store as `serve` does and prints which driver packages got loaded.
 */
async function loadedDrivers(url: string | null, dataDir: string): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module';
    const { openStore } = await import('./src/store/database.ts');
    const { pino } = await import('pino');
    const store = openStore({ url: ${JSON.stringify(url)}, dataDir: ${JSON.stringify(dataDir)}, log: pino({ level: 'silent' }) });
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const loaded = ['pg', 'better-sqlite3'].filter((p) => cache.some((k) => k.includes('/node_modules/' + p + '/')));
    console.log(JSON.stringify(loaded));
    await store.destroy();
  `;
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: root },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as string[];
}

describe('store drivers', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'a SQLite store never loads pg (a few MB of memory a default install does not need)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lw-store-load-'));
      dirs.push(dir);
      expect(await loadedDrivers(null, dir)).toEqual(['better-sqlite3']);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'a PostgreSQL URL loads pg when the store opens',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lw-store-load-'));
      dirs.push(dir);
      // The pool connects lazily: opening needs no server.
      expect(await loadedDrivers('postgres://nobody@127.0.0.1:1/none', dir)).toContain('pg');
    },
    SPAWN_TIMEOUT_MS,
  );
});
