import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerHost } from '../support/docker-cli.js';
import {
  spawnLogwarden,
  startedUrl,
  stopServed,
  type LogwardenProcess,
} from '../support/logwarden-process.js';

const dir = mkdtempSync(join(tmpdir(), 'lw-auth-cli-'));
const PASSWORD = 'a long enough password';
const NEW_PASSWORD = 'another long password';
let served: LogwardenProcess | null = null;

afterAll(async () => {
  if (served) await stopServed(served, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}, stdin?: string) {
  const proc = spawnLogwarden(args, { LOGWARDEN_DATA_DIR: dir, ...env });
  if (stdin !== undefined) proc.child.stdin!.end(stdin);
  const code = await proc.exit;
  return { code, stdout: proc.stdout.join(''), stderr: proc.stderr.join('') };
}

describe('users and tokens from the command line', () => {
  // Seven CLI processes and a server start: slow on a busy machine, not a hang.
  it(
    'adds an admin, issues a token, and revokes it with a password change',
    { timeout: 120_000 },
    async () => {
      const short = await run(['users', 'add', '--admin', 'root'], {
        LOGWARDEN_ADMIN_PASSWORD: 'short',
      });
      expect(short.code).toBe(2);
      expect(short.stderr).toMatch(/password: must be at least 10 characters/);

      const added = await run(['users', 'add', '--admin', 'root'], {
        LOGWARDEN_ADMIN_PASSWORD: PASSWORD,
      });
      expect(added.code).toBe(0);
      const listed = (await run(['users', 'list'])).stdout;
      expect(listed).toMatch(/\troot\tadmin/);
      const rootId = Number(/^(\d+)\troot\t/m.exec(listed)![1]);

      const created = await run([
        'tokens',
        'create',
        '--name',
        'ci',
        '--user',
        'root',
        '--role',
        'admin',
      ]);
      expect(created.code).toBe(0);
      const token = created.stdout.trim();
      expect(token).toMatch(/^lw_[\w-]{43}$/);

      served = spawnLogwarden(['serve'], {
        LOGWARDEN_DATA_DIR: dir,
        LOGWARDEN_LISTEN: '127.0.0.1:0',
        DOCKER_HOST: dockerHost(),
        LOGWARDEN_LOG_LEVEL: 'debug',
      });
      const url = await startedUrl(served);
      const me = () => fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect((await me()).status).toBe(200);
      expect((await fetch(`${url}/api/me`)).status).toBe(401);
      // The server reads the journal the CLI wrote: one object name for every writer.
      const audit = await fetch(`${url}/api/audit?object=user:${rootId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(audit.status).toBe(200);
      const entries = ((await audit.json()) as { items: { action: string; object: string }[] })
        .items;
      expect(entries).toContainEqual(
        expect.objectContaining({ action: 'user.create', object: `user:${rootId}` }),
      );
      // Users exist: no setup token is offered.
      expect(await (await fetch(`${url}/api/setup`)).json()).toEqual({ needed: false });

      // Password from stdin this time.
      const passwd = await run(['users', 'passwd', 'root'], {}, `${NEW_PASSWORD}\n`);
      expect(passwd.code).toBe(0);
      expect((await me()).status).toBe(401);
      const login = await fetch(`${url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ username: 'root', password: NEW_PASSWORD }),
      });
      expect(login.status).toBe(200);

      await stopServed(served);
      const logs = served.stdout.join('') + served.stderr.join('');
      served = null;
      expect(logs).toContain('logwarden started');
      for (const secret of [PASSWORD, NEW_PASSWORD, token]) expect(logs).not.toContain(secret);
      // The CLI's changes are in the operations journal beside the server's.
      const journal = readdirSync(join(dir, 'audit'))
        .map((f) => readFileSync(join(dir, 'audit', f), 'utf8'))
        .join('');
      for (const action of ['user.create', 'token.create', 'user.update', 'logwarden.start'])
        expect(journal).toContain(`"${action}"`);
      for (const secret of [PASSWORD, NEW_PASSWORD, token]) expect(journal).not.toContain(secret);
    },
  );

  it('exits 2 for an unknown user', async () => {
    const res = await run(['users', 'disable', 'nobody']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/user nobody not found/);
  });
});
