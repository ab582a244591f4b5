import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../../test/support/databases.js';
import { AuthService, FirstRun } from '../../auth/index.js';
import { JournalFiles, OperationJournal, type NewJournalEntry } from '../../audit/index.js';
import { credentialAuthenticator } from '../credentials.js';
import { journalHook } from '../journal-hook.js';
import { buildServer } from '../server.js';
import { CLOSED_POLICY } from '../access-guard.js';
import { authRoutes } from './auth.js';
import { TEST_AUTH_OPTIONS } from '../../../test/support/test-principals.js';

const silent = pino({ level: 'silent' });
const PASSWORD = 'correct horse battery';
const ORIGIN = 'http://localhost:80';

for (const dialect of DIALECTS) {
  describe(`auth routes (${dialect})`, () => {
    const store = useTestStore(dialect);
    const dirs: string[] = [];
    afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

    async function app(trustedProxies: string[] = []) {
      const dataDir = mkdtempSync(join(tmpdir(), 'lw-auth-'));
      dirs.push(dataDir);
      const operations = new OperationJournal({
        files: new JournalFiles(join(dataDir, 'audit')),
        log: silent,
      });
      const journal: NewJournalEntry[] = [];
      const recording = {
        record: (e: NewJournalEntry) => {
          journal.push(e);
          operations.record(e);
        },
      };
      const journalText = () =>
        readdirSync(join(dataDir, 'audit'))
          .map((f) => readFileSync(join(dataDir, 'audit', f), 'utf8'))
          .join('');
      const auth = AuthService.forDatabase(store().db, {
        journal: recording,
        log: silent,
        options: TEST_AUTH_OPTIONS,
      });
      const logLines: string[] = [];
      const firstRun = new FirstRun(
        auth,
        dataDir,
        pino({}, { write: (l: string) => logLines.push(l) }),
        recording,
      );
      await firstRun.prepare();
      const server = await buildServer({
        logger: silent,
        authenticator: credentialAuthenticator(auth),
        trustedProxies,
        routes: [
          journalHook(recording),
          authRoutes({
            auth,
            firstRun,
            cookie: { alwaysSecure: false },
            publicUrl: null,
            policy: CLOSED_POLICY,
          }),
          async (a: FastifyInstance) => {
            a.get('/api/things', async () => ({ items: [] }));
            a.post('/api/things', async () => ({ ok: true }));
            a.get('/api/stream/things', { config: { stream: true } }, async () => ({ ok: true }));
            a.get('/metrics', { config: { access: 'metrics' } }, async () => 'metrics');
          },
        ],
      });
      const setupToken = () => readFileSync(join(dataDir, 'setup-token'), 'utf8').trim();
      return { server, auth, journal, journalText, dataDir, setupToken, logLines };
    }

    type Server = FastifyInstance;
    const post = (server: Server, url: string, payload: object, headers: object = {}) =>
      server.inject({ method: 'POST', url, payload, headers: { origin: ORIGIN, ...headers } });

    async function adminSession(server: Server, setupToken: string) {
      expect(
        (
          await post(server, '/api/setup', {
            token: setupToken,
            username: 'root',
            password: PASSWORD,
          })
        ).statusCode,
      ).toBe(201);
      const login = await post(server, '/api/login', { username: 'root', password: PASSWORD });
      expect(login.statusCode).toBe(200);
      return { cookie: login.headers['set-cookie'] as string };
    }
    const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

    it('a fresh install cannot be claimed without the setup token', async () => {
      const { server, dataDir, setupToken, logLines } = await app();
      expect(statSync(join(dataDir, 'setup-token')).mode & 0o777).toBe(0o600);
      expect(logLines.join('')).toContain(setupToken());
      expect((await server.inject('/api/setup')).json()).toEqual({ needed: true });
      // The real token with its last character changed (it is random: it may end in x).
      const near = setupToken().slice(0, -1) + (setupToken().endsWith('x') ? 'y' : 'x');
      for (const token of ['', 'setup_guess', near]) {
        const res = await post(server, '/api/setup', {
          token,
          username: 'eve',
          password: PASSWORD,
        });
        expect(res.statusCode).toBe(403);
        expect(res.json().error.field).toBe('token');
      }
      expect((await server.inject('/api/setup')).json()).toEqual({ needed: true });
      // A bad password does not burn the token.
      const short = await post(server, '/api/setup', {
        token: setupToken(),
        username: 'root',
        password: 'short',
      });
      expect(short.json().error.field).toBe('password');
      const token = setupToken();
      const ok = await post(server, '/api/setup', {
        token,
        username: 'root',
        password: PASSWORD,
      });
      expect(ok.statusCode).toBe(201);
      expect(ok.json().user).toMatchObject({ username: 'root', role: 'admin' });
      // The token is spent: the same one cannot claim again, even right away.
      const again = await post(server, '/api/setup', {
        token,
        username: 'eve',
        password: PASSWORD,
      });
      expect(again.statusCode).toBe(403);
      expect((await server.inject('/api/setup')).json()).toEqual({ needed: false });
    });

    it('two claims racing with the token make one admin', async () => {
      const { server, setupToken, auth } = await app();
      const token = setupToken();
      const claims = await Promise.all(
        ['first', 'second'].map((username) =>
          post(server, '/api/setup', { token, username, password: PASSWORD }),
        ),
      );
      expect(claims.map((c) => c.statusCode).sort()).toEqual([201, 403]);
      expect(await auth.listUsers()).toHaveLength(1);
    });

    it('treats a malformed cookie as no credential', async () => {
      const { server } = await app();
      const res = await server.inject({
        url: '/api/things',
        headers: { cookie: 'lw_session=%E0%A4%A' },
      });
      expect(res.statusCode).toBe(401);
    });

    it('login sets an HttpOnly SameSite=Strict session cookie; logout ends it', async () => {
      const { server, setupToken } = await app();
      const { cookie } = await adminSession(server, setupToken());
      expect(cookie).toMatch(
        /^lw_session=lw_[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
      );
      const me = await server.inject({ url: '/api/me', headers: { cookie: cookieOf(cookie) } });
      expect(me.json().user).toMatchObject({ username: 'root', role: 'admin', via: 'session' });
      const out = await post(server, '/api/logout', {}, { cookie: cookieOf(cookie) });
      expect(out.statusCode).toBe(204);
      const after = await server.inject({ url: '/api/me', headers: { cookie: cookieOf(cookie) } });
      expect(after.statusCode).toBe(401);
    });

    it('refuses a wrong password and a disabled user alike', async () => {
      const { server, setupToken, journal } = await app();
      await adminSession(server, setupToken());
      const wrong = await post(server, '/api/login', {
        username: 'root',
        password: 'wrong password',
      });
      expect(wrong.statusCode).toBe(401);
      const nobody = await post(server, '/api/login', { username: 'nobody', password: PASSWORD });
      expect(nobody.statusCode).toBe(401);
      expect(nobody.json().error.message).toBe(wrong.json().error.message);
      expect(journal.map((e) => e.action)).toEqual([
        'auth.setup',
        'auth.login',
        'auth.login_failed',
        'auth.login_failed',
      ]);
      expect(JSON.stringify(journal)).not.toContain(PASSWORD);
      expect(JSON.stringify(journal)).not.toContain('wrong password');
    });

    it('a password change revokes the old cookie and the old token', async () => {
      const { server, setupToken, journalText } = await app();
      const { cookie } = await adminSession(server, setupToken());
      const headers = { cookie: cookieOf(cookie) };
      const created = await post(server, '/api/tokens', { name: 'ci', role: 'admin' }, headers);
      expect(created.statusCode).toBe(201);
      const { token } = created.json();
      expect(token).toMatch(/^lw_/);
      const bearer = { authorization: `Bearer ${token}` };
      expect((await server.inject({ url: '/api/things', headers: bearer })).statusCode).toBe(200);
      // The list never shows the token again.
      const list = await server.inject({ url: '/api/tokens', headers });
      expect(JSON.stringify(list.json())).not.toContain(token);

      const changed = await post(
        server,
        '/api/me/password',
        { current_password: PASSWORD, new_password: 'another long password' },
        headers,
      );
      expect(changed.statusCode).toBe(204);
      expect((await server.inject({ url: '/api/things', headers })).statusCode).toBe(401);
      expect((await server.inject({ url: '/api/things', headers: bearer })).statusCode).toBe(401);
      const again = await post(server, '/api/login', {
        username: 'root',
        password: 'another long password',
      });
      expect(again.statusCode).toBe(200);
      const written = journalText();
      expect(written).toContain('POST /api/me/password');
      expect(written).toContain('POST /api/tokens');
      for (const secret of [
        PASSWORD,
        'another long password',
        token,
        cookieOf(cookie).split('=')[1]!,
      ])
        expect(written).not.toContain(secret);
    });

    it('an admin disabling a user revokes their sessions', async () => {
      const { server, setupToken } = await app();
      const admin = { cookie: cookieOf((await adminSession(server, setupToken())).cookie) };
      const user = await post(
        server,
        '/api/users',
        { username: 'vic', password: PASSWORD, role: 'viewer' },
        admin,
      );
      expect(user.statusCode).toBe(201);
      const login = await post(server, '/api/login', { username: 'vic', password: PASSWORD });
      const vic = { cookie: cookieOf(login.headers['set-cookie'] as string) };
      expect((await server.inject({ url: '/api/things', headers: vic })).statusCode).toBe(200);
      const disabled = await server.inject({
        method: 'PATCH',
        url: `/api/users/${user.json().id}`,
        payload: { disabled: true },
        headers: { ...admin, origin: ORIGIN },
      });
      expect(disabled.statusCode).toBe(200);
      expect((await server.inject({ url: '/api/things', headers: vic })).statusCode).toBe(401);
    });

    it('a viewer reads but cannot change anything; a metrics token reads only /metrics', async () => {
      const { server, setupToken } = await app();
      const admin = { cookie: cookieOf((await adminSession(server, setupToken())).cookie) };
      const viewerToken = (await post(server, '/api/tokens', { name: 'v' }, admin)).json().token;
      const metricsToken = (
        await post(server, '/api/tokens', { name: 'm', scope: 'metrics' }, admin)
      ).json().token;
      const as = (t: string) => ({ authorization: `Bearer ${t}` });
      expect(
        (await server.inject({ url: '/api/things', headers: as(viewerToken) })).statusCode,
      ).toBe(200);
      const write = await post(server, '/api/things', {}, as(viewerToken));
      expect(write.statusCode).toBe(403);
      expect(write.json().error.code).toBe('FORBIDDEN');
      expect((await server.inject({ url: '/metrics', headers: as(viewerToken) })).statusCode).toBe(
        403,
      );
      expect((await server.inject({ url: '/metrics', headers: as(metricsToken) })).statusCode).toBe(
        200,
      );
      expect((await server.inject({ url: '/metrics', headers: admin })).statusCode).toBe(200);
      expect(
        (await server.inject({ url: '/api/things', headers: as(metricsToken) })).statusCode,
      ).toBe(403);
    });

    it('refuses cookie-authenticated writes and streams from another origin', async () => {
      const { server, setupToken } = await app();
      const cookie = cookieOf((await adminSession(server, setupToken())).cookie);
      const evil = { cookie, origin: 'http://evil.example' };
      const write = await server.inject({ method: 'POST', url: '/api/things', headers: evil });
      expect(write.statusCode).toBe(403);
      expect(write.json().error.code).toBe('CROSS_ORIGIN_REFUSED');
      const stream = await server.inject({ url: '/api/stream/things', headers: evil });
      expect(stream.statusCode).toBe(403);
      // No Origin at all on a write: refused unless the browser says same-origin.
      const bare = await server.inject({ method: 'POST', url: '/api/things', headers: { cookie } });
      expect(bare.statusCode).toBe(403);
      const fetchSite = await server.inject({
        method: 'POST',
        url: '/api/things',
        headers: { cookie, 'sec-fetch-site': 'same-origin' },
      });
      expect(fetchSite.statusCode).toBe(200);
      const same = await server.inject({
        url: '/api/stream/things',
        headers: { cookie, origin: ORIGIN },
      });
      expect(same.statusCode).toBe(200);
      // Plain http on a LAN: the browser's same-origin EventSource sends no Origin and no
      // Sec-Fetch-Site; a foreign page's would send one or the other.
      const bareStream = await server.inject({ url: '/api/stream/things', headers: { cookie } });
      expect(bareStream.statusCode).toBe(200);
      for (const foreign of [{ origin: 'null' }, { 'sec-fetch-site': 'cross-site' }]) {
        const res = await server.inject({
          url: '/api/stream/things',
          headers: { cookie, ...foreign },
        });
        expect(res.statusCode).toBe(403);
      }
      // Cross-site login (login CSRF) is refused too.
      const login = await server.inject({
        method: 'POST',
        url: '/api/login',
        payload: { username: 'root', password: PASSWORD },
        headers: { origin: 'http://evil.example' },
      });
      expect(login.statusCode).toBe(403);
    });

    it('bearer requests need no origin', async () => {
      const { server, setupToken } = await app();
      const admin = { cookie: cookieOf((await adminSession(server, setupToken())).cookie) };
      const token = (await post(server, '/api/tokens', { name: 'a', role: 'admin' }, admin)).json()
        .token;
      const res = await server.inject({
        method: 'POST',
        url: '/api/things',
        headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example' },
      });
      expect(res.statusCode).toBe(200);
      // But a token cannot manage accounts or mint more tokens.
      const bearer = { authorization: `Bearer ${token}` };
      const more = await server.inject({
        method: 'POST',
        url: '/api/tokens',
        payload: { name: 'forever', role: 'admin' },
        headers: bearer,
      });
      expect(more.statusCode).toBe(403);
      const reset = await server.inject({
        method: 'PATCH',
        url: '/api/users/1',
        payload: { password: 'attacker chosen password' },
        headers: bearer,
      });
      expect(reset.statusCode).toBe(403);
    });

    it('throttles brute force from one address without locking the admin out elsewhere', async () => {
      const { server, setupToken } = await app();
      await adminSession(server, setupToken());
      const attempt = (password: string, remoteAddress: string) =>
        server.inject({
          method: 'POST',
          url: '/api/login',
          payload: { username: 'root', password },
          headers: { origin: ORIGIN },
          remoteAddress,
        });
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++)
        statuses.push((await attempt(`guess ${i}`, '203.0.113.9')).statusCode);
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(190);
      const locked = await attempt(PASSWORD, '203.0.113.9');
      expect(locked.statusCode).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      const elsewhere = await attempt(PASSWORD, '198.51.100.7');
      expect(elsewhere.statusCode).toBe(200);
    });

    it('behind a trusted proxy, throttles the forwarded client, not the proxy', async () => {
      const { server, setupToken } = await app(['10.9.0.0/16']);
      await adminSession(server, setupToken());
      const login = (password: string, client: string, proxy = '10.9.0.5') =>
        server.inject({
          method: 'POST',
          url: '/api/login',
          payload: { username: 'root', password },
          headers: { origin: ORIGIN, 'x-forwarded-for': client },
          remoteAddress: proxy,
        });
      for (let i = 0; i < 12; i++) await login(`guess ${i}`, '203.0.113.9');
      expect((await login(PASSWORD, '203.0.113.9')).statusCode).toBe(429);
      expect((await login(PASSWORD, '198.51.100.7')).statusCode).toBe(200);
      // An untrusted sender cannot pick its own address with the header.
      for (let i = 0; i < 12; i++) await login(`guess ${i}`, `192.0.2.${i}`, '203.0.113.50');
      expect((await login(PASSWORD, '192.0.2.200', '203.0.113.50')).statusCode).toBe(429);
    });

    it('counts parallel guesses before checking them', async () => {
      const { server, setupToken } = await app();
      await adminSession(server, setupToken());
      const guesses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          server.inject({
            method: 'POST',
            url: '/api/login',
            payload: { username: 'root', password: `guess ${i}` },
            headers: { origin: ORIGIN },
            remoteAddress: '203.0.113.77',
          }),
        ),
      );
      const checked = guesses.filter((g) => g.statusCode === 401).length;
      expect(checked).toBeLessThanOrEqual(5);
      expect(guesses.filter((g) => g.statusCode === 429)).toHaveLength(40 - checked);
    });

    it('names the field of bad input', async () => {
      const { server, setupToken } = await app();
      const admin = { cookie: cookieOf((await adminSession(server, setupToken())).cookie) };
      const short = await post(server, '/api/users', { username: 'bob', password: 'short' }, admin);
      expect(short.statusCode).toBe(400);
      expect(short.json().error.field).toBe('password');
      const name = await post(
        server,
        '/api/users',
        { username: '../x', password: PASSWORD },
        admin,
      );
      expect(name.json().error.field).toBe('username');
      const dup = await post(server, '/api/users', { username: 'root', password: PASSWORD }, admin);
      expect(dup.statusCode).toBe(409);
      const role = await post(server, '/api/tokens', { name: 't', role: 'god' }, admin);
      expect(role.json().error.field).toBe('role');
      const last = await server.inject({
        method: 'PATCH',
        url: '/api/users/1',
        payload: { role: 'viewer' },
        headers: { ...admin, origin: ORIGIN },
      });
      expect(last.statusCode).toBe(409);
    });
  });
}
