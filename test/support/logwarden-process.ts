import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerHost } from './docker-cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'src/main.ts');

export interface LogwardenProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

/** The environment without the caller's LOGWARDEN_* and DOCKER_HOST, plus `extra`. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('LOGWARDEN_') && k !== 'DOCKER_HOST') env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs the real CLI (`src/main.ts` through tsx) as a child process. */
export function spawnLogwarden(args: string[], env: Record<string, string> = {}): LogwardenProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: root,
    env: cleanEnv(env),
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => stdout.push(d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exit };
}

/** Waits for the JSON log line announcing the listen address; returns the base URL. */
export async function startedUrl(run: LogwardenProcess, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of run.stdout.join('').split('\n')) {
      if (!line.includes('logwarden started')) continue;
      return (JSON.parse(line) as { address: string }).address;
    }
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`serve did not start:\n${run.stdout.join('')}\n${run.stderr.join('')}`);
}

/**
 * `logwarden serve` on a free port (unless `env` sets LOGWARDEN_LISTEN) against the test
 * engine, with its data in `dataDir`, as a fresh install leaves it: no users yet (first-run
 * setup pending). Rate limits are lifted unless `env` sets them: tests count every hit.
 */
export async function serveFresh(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ proc: LogwardenProcess; url: string }> {
  const proc = spawnLogwarden(['serve'], {
    LOGWARDEN_DATA_DIR: dataDir,
    LOGWARDEN_LISTEN: '127.0.0.1:0',
    DOCKER_HOST: dockerHost(),
    LOGWARDEN_SCANNER_RATE_PER_SECOND: '100000',
    LOGWARDEN_SCANNER_BURST: '100000',
    ...env,
  });
  return { proc, url: await startedUrl(proc) };
}

/** `serveFresh`, set up: the first admin (TEST_ADMIN) and an admin API token for the tests. */
export async function serveForTest(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ proc: LogwardenProcess; url: string; token: string }> {
  const { proc, url } = await serveFresh(dataDir, env);
  return { proc, url, token: await adminToken(dataDir, url) };
}

export const TEST_ADMIN = { username: 'admin', password: 'correct horse battery' };

/**
 * An admin API token for a served data directory, made the way an operator would the
 * first time (setup token from the data dir → first admin → sign in → token) and kept
 * beside the database for the restarts of the same test.
 */
async function adminToken(dataDir: string, url: string): Promise<string> {
  const kept = join(dataDir, 'test-admin-token');
  if (existsSync(kept)) return readFileSync(kept, 'utf8');
  const setupToken = readFileSync(join(dataDir, 'setup-token'), 'utf8').trim();
  const token = await firstAdminToken(url, setupToken);
  writeFileSync(kept, token);
  return token;
}

/** Creates the first admin with the setup token, signs in and returns an admin API token. */
export async function firstAdminToken(url: string, setupToken: string): Promise<string> {
  const origin = { origin: url, 'content-type': 'application/json' };
  const call = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...origin, ...headers },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path} → ${res.status}: ${await res.text()}`);
    return res;
  };
  await call('/api/setup', { token: setupToken, ...TEST_ADMIN });
  const login = await call('/api/login', TEST_ADMIN);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const created = await call('/api/tokens', { name: 'tests', role: 'admin' }, { cookie });
  const { token } = (await created.json()) as { token: string };
  return token;
}

/** Stops a served Logwarden: SIGTERM for a graceful stop, SIGKILL for a crash. */
export async function stopServed(
  proc: LogwardenProcess,
  signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
  await proc.exit;
}
