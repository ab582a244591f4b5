import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerHost } from '../support/docker-cli.js';
import { eventually } from '../support/eventually.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};
const work = mkdtempSync(join(tmpdir(), 'lw-pack-'));
const NATIVE_ADDONS = ['better-sqlite3', 're2'];

afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * The checkout's sources in a directory of their own (node_modules linked), so that
 * `npm pack`'s build never rewrites the dist/ other tests may be serving.
 */
function checkoutCopy(): string {
  const dir = join(work, 'src-copy');
  for (const entry of [
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'README.md',
    'src',
    'web',
  ])
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('the npm package', () => {
  it('installs globally from `npm pack` and its logwarden command serves, UI included', async () => {
    const source = checkoutCopy();
    const { stdout: packed } = await run('npm', ['pack', '--pack-destination', work], {
      cwd: source,
      maxBuffer: 16 * 1024 * 1024,
    });
    const tarball = join(work, packed.trim().split('\n').at(-1)!);
    expect(tarball).toMatch(new RegExp(`logwarden-${version.replace(/\./g, '\\.')}\\.tgz$`));

    // A clean prefix. Install scripts are skipped and the two native addons taken from the
    // checkout (same Node, same versions), because compiling them again costs minutes;
    // everything else is what `npm install -g` of the tarball puts there.
    const prefix = join(work, 'prefix');
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        tarball,
      ],
      { cwd: work, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 },
    );
    const installed = join(prefix, 'lib/node_modules/logwarden');
    for (const addon of NATIVE_ADDONS) {
      const want = JSON.parse(
        readFileSync(join(ROOT, 'node_modules', addon, 'package.json'), 'utf8'),
      ).version;
      const have = JSON.parse(
        readFileSync(join(installed, 'node_modules', addon, 'package.json'), 'utf8'),
      ).version;
      expect(have, `${addon} resolved as in package-lock.json`).toBe(want);
      cpSync(
        join(ROOT, 'node_modules', addon, 'build'),
        join(installed, 'node_modules', addon, 'build'),
        {
          recursive: true,
        },
      );
    }
    // Nothing of the development tool chain comes along...
    const modules = readdirSync(join(installed, 'node_modules'));
    for (const dev of ['vite', 'vitest', 'typescript', 'tsx', 'react', 'eslint'])
      expect(modules).not.toContain(dev);
    // ...nor the sources: the compiled server and the built UI only.
    expect(readdirSync(installed).sort()).toEqual([
      'README.md',
      'dist',
      'node_modules',
      'package.json',
    ]);
    expect(existsSync(join(installed, 'dist/web/index.html'))).toBe(true);

    const bin = join(prefix, 'bin/logwarden');
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}` };
    const { stdout: printed } = await run(bin, ['--version'], { env });
    expect(printed.trim()).toBe(version);

    const dataDir = join(work, 'data');
    const serve = spawn(bin, ['serve'], {
      cwd: work,
      env: {
        ...env,
        LOGWARDEN_DATA_DIR: dataDir,
        LOGWARDEN_LISTEN: '127.0.0.1:0',
        DOCKER_HOST: dockerHost(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    serve.stdout.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => serve.on('exit', (code) => r(code)));
    try {
      const url = await eventually(
        () => {
          const line = log.split('\n').find((l) => l.includes('logwarden started'));
          return line ? (JSON.parse(line) as { address: string }).address : undefined;
        },
        60_000,
        'serve to start',
      );
      await eventually(
        async () => (await fetch(`${url}/readyz`)).status === 200,
        30_000,
        '/readyz 200',
      );
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">/);
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (serve.exitCode === null) serve.kill('SIGKILL');
    }
  }, 600_000);
});
