import { sql } from 'kysely';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import { AuthService } from './auth-service.js';
import { TEST_AUTH_OPTIONS } from '../../test/support/test-principals.js';

const PASSWORD = 'correct horse battery';
const HOUR = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`auth service (${dialect})`, () => {
    const store = useTestStore(dialect);

    function service(
      clock: { now: number },
      /** null: the production cost. */
      passwordCost: typeof TEST_AUTH_OPTIONS.passwordCost | null = TEST_AUTH_OPTIONS.passwordCost,
    ) {
      return AuthService.forDatabase(store().db, {
        journal: { record: () => undefined },
        log: pino({ level: 'silent' }),
        options: {
          sessionIdleMs: 12 * HOUR,
          sessionAbsoluteMs: 7 * 24 * HOUR,
          passwordCost: passwordCost ?? undefined,
        },
        now: () => clock.now,
      });
    }

    it('stores only a scrypt hash of the password, at the production cost by default', async () => {
      const auth = service({ now: 1_000 }, null);
      await auth.createUser({ username: 'root', password: PASSWORD, role: 'admin' });
      const row = await store()
        .db.selectFrom('users')
        .select('password_hash')
        .executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(
        /^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{88}$/,
      );
    });

    it('stores only a hash of session and API tokens', async () => {
      const auth = service({ now: 1_000 });
      const user = await auth.createUser({ username: 'root', password: PASSWORD, role: 'admin' });
      const session = await auth.login({ username: 'root', password: PASSWORD, ip: '10.0.0.1' });
      const { token } = await auth.createToken({ name: 'ci' }, { user_id: user.id });
      const dump = JSON.stringify([
        await store().db.selectFrom('sessions').selectAll().execute(),
        await store().db.selectFrom('api_tokens').selectAll().execute(),
      ]);
      expect(dump).not.toContain(session.token);
      expect(dump).not.toContain(token);
    });

    it('ends a session after the idle timeout, and after the absolute one even when used', async () => {
      const clock = { now: 1_000 };
      const auth = service(clock);
      await auth.createUser({ username: 'root', password: PASSWORD, role: 'admin' });
      const idle = await auth.login({ username: 'root', password: PASSWORD, ip: '10.0.0.1' });
      const busy = await auth.login({ username: 'root', password: PASSWORD, ip: '10.0.0.1' });
      // Each use is recorded in the background: let it land before the clock moves on.
      for (let h = 1; h <= 11; h++) {
        clock.now = 1_000 + h * HOUR;
        expect(await auth.sessionPrincipal(busy.token)).not.toBeNull();
        await auth.lastUseRecorded();
      }
      clock.now = 1_000 + 12 * HOUR + 1;
      expect(await auth.sessionPrincipal(idle.token)).toBeNull();
      // Used every hour, the busy one lives until the absolute limit.
      for (let h = 12; h < 7 * 24; h++) {
        clock.now = 1_000 + h * HOUR;
        expect(await auth.sessionPrincipal(busy.token)).not.toBeNull();
        await auth.lastUseRecorded();
      }
      clock.now = 1_000 + 7 * 24 * HOUR;
      expect(await auth.sessionPrincipal(busy.token)).toBeNull();
    });

    it('refuses an expired or revoked token, and caps a token at its owner’s role', async () => {
      const clock = { now: 1_000 };
      const auth = service(clock);
      const admin = await auth.createUser({ username: 'root', password: PASSWORD, role: 'admin' });
      const short = await auth.createToken(
        { name: 'short', role: 'admin', expires_at: new Date(1_000 + HOUR).toISOString() },
        { user_id: admin.id },
      );
      const revoked = await auth.createToken({ name: 'gone' }, { user_id: admin.id });
      await auth.revokeToken(revoked.info.id);
      expect(await auth.tokenPrincipal(short.token)).toMatchObject({
        role: 'admin',
        name: 'token:short',
      });
      expect(await auth.tokenPrincipal(revoked.token)).toBeNull();
      const spare = await auth.createUser({ username: 'spare', password: PASSWORD, role: 'admin' });
      expect(spare.role).toBe('admin');
      await auth.updateUser(admin.id, { role: 'viewer' });
      expect(await auth.tokenPrincipal(short.token)).toMatchObject({ role: 'viewer' });
      clock.now = 1_000 + HOUR;
      expect(await auth.tokenPrincipal(short.token)).toBeNull();
    });

    it('never leaves no active admin, even when two admins are demoted at once', async () => {
      const auth = service({ now: 1_000 });
      const alice = await auth.createUser({ username: 'alice', password: PASSWORD, role: 'admin' });
      const bob = await auth.createUser({ username: 'bob', password: PASSWORD, role: 'admin' });
      const results = await Promise.allSettled([
        auth.updateUser(alice.id, { role: 'viewer' }),
        auth.updateUser(bob.id, { disabled: true }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason.code).toBe('CONFLICT');
      const admins = (await auth.listUsers()).filter((u) => u.role === 'admin' && !u.disabled);
      expect(admins).toHaveLength(1);
    });
  });
}

describe('auth service while the database takes no writes', () => {
  const store = useTestStore('sqlite');

  it('a signed-in read still authenticates: recording the last use is best-effort', async () => {
    const clock = { now: 1_000 };
    const auth = AuthService.forDatabase(store().db, {
      journal: { record: () => undefined },
      log: pino({ level: 'silent' }),
      options: {
        sessionIdleMs: 12 * HOUR,
        sessionAbsoluteMs: 7 * 24 * HOUR,
        passwordCost: TEST_AUTH_OPTIONS.passwordCost,
      },
      now: () => clock.now,
    });
    await auth.createUser({ username: 'root', password: PASSWORD, role: 'admin' });
    const session = await auth.login({ username: 'root', password: PASSWORD, ip: '10.0.0.1' });
    const { token } = await auth.createToken({ name: 'ci' }, { user_id: 1 });
    // Every write now fails (SQLITE_READONLY), as on a full disk or behind a lock.
    await sql`pragma query_only = on`.execute(store().db);
    clock.now += HOUR;
    expect(await auth.sessionPrincipal(session.token)).toMatchObject({ name: 'root' });
    expect(await auth.tokenPrincipal(token)).toMatchObject({ name: 'token:ci' });
    await sql`pragma query_only = off`.execute(store().db);
  });
});
