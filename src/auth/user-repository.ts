import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from '../store/index.js';
import type { User } from './model.js';
import type { Role } from './principal.js';

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role as Role,
    disabled: row.disabled === 1,
    created_at: row.created_at,
    password_changed_at: row.password_changed_at,
  };
}

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  async get(id: number): Promise<User | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toUser(row) : null;
  }

  /** The user with its hash, for checking a password. */
  async findForLogin(username: string): Promise<{ user: User; password_hash: string } | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row ? { user: toUser(row), password_hash: row.password_hash } : null;
  }

  async insert(user: {
    username: string;
    password_hash: string;
    role: Role;
    now: number;
  }): Promise<User> {
    const row = await this.db
      .insertInto('users')
      .values({
        username: user.username,
        password_hash: user.password_hash,
        role: user.role,
        disabled: 0,
        created_at: user.now,
        password_changed_at: user.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  }

  /**
   * Changes what is given and, in the same transaction, revokes every session and token
   * of the user when the password changes or the user is disabled. Returns null, and
   * changes nothing, when the user does not exist or the change would leave no active
   * admin.
   */
  async update(
    id: number,
    change: { role?: Role; disabled?: boolean; password_hash?: string },
    now: number,
  ): Promise<User | 'last-admin' | null> {
    return this.db
      .transaction()
      .execute(async (tx) => {
        // Lock the active admins' rows first (a no-op write): a concurrent demotion of
        // another admin waits for us, then sees our change, so two cannot both pass.
        await tx
          .updateTable('users')
          .set((eb) => ({ role: eb.ref('role') }))
          .where('role', '=', 'admin')
          .where('disabled', '=', 0)
          .execute();
        const row = await tx
          .updateTable('users')
          .set({
            ...(change.role !== undefined ? { role: change.role } : {}),
            ...(change.disabled !== undefined ? { disabled: change.disabled ? 1 : 0 } : {}),
            ...(change.password_hash !== undefined
              ? { password_hash: change.password_hash, password_changed_at: now }
              : {}),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!row) return null;
        if ((await countActiveAdmins(tx)) === 0) throw new LastAdmin();
        if (change.password_hash !== undefined || change.disabled === true) {
          await tx.deleteFrom('sessions').where('user_id', '=', id).execute();
          await tx
            .updateTable('api_tokens')
            .set({ revoked_at: now })
            .where('user_id', '=', id)
            .where('revoked_at', 'is', null)
            .execute();
        }
        return toUser(row);
      })
      .catch((err: unknown) => {
        if (err instanceof LastAdmin) return 'last-admin' as const;
        throw err;
      });
  }
}

/** Rolls the transaction back: the change would leave nobody able to administer. */
class LastAdmin extends Error {}

async function countActiveAdmins(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
