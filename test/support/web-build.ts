import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const webDir = join(root, 'web');
/** What the UI imports from the server's sources (src/api/wire and the domains' models). */
const UI_SOURCES_IN_SRC = [
  'src/api/wire',
  'src/events',
  'src/inventory',
  'src/rules',
  'src/triggers',
  'src/auth',
  'src/audit',
  'src/logs',
];
// Kept out of dist/: nothing of the tests' bookkeeping ships in the package.
const stampFile = join(root, 'test-output', '.web-build-stamp');
const lockDir = join(root, 'test-output', '.web-build.lock');

async function sourceHash(dir: string, hash = createHash('sha256')) {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await sourceHash(path, hash);
    else if (!entry.name.endsWith('.test.ts')) hash.update(path).update(await readFile(path));
  }
  return hash;
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(join(root, 'test-output'), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed run is old: take it over.
      const age = Date.now() - (await stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > 120_000) await rm(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`could not take ${lockDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/**
 * Builds the UI into dist/web (as `npm run build` does) unless the build there is of the
 * current sources. Test files run in parallel: one builds, the others wait for it.
 */
export async function ensureWebBuild(): Promise<void> {
  await withLock(async () => {
    const hash = await sourceHash(webDir);
    // The UI's types and enums come from the server's wire contract and domain models.
    for (const dir of UI_SOURCES_IN_SRC) await sourceHash(join(root, dir), hash);
    const want = hash.digest('hex');
    const have = await readFile(stampFile, 'utf8').catch(() => '');
    const built = await stat(join(root, 'dist/web/index.html')).then(
      () => true,
      () => false,
    );
    if (have === want && built) return;
    await run(
      process.execPath,
      [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    await writeFile(stampFile, want);
  });
}
