import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { User } from './model.js';
import type { Role } from './principal.js';

export interface SessionRow {
  id: string;
  user_id: number;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(session: SessionRow & { ip: string | null; user_agent: string | null }) {
    await this.db.insertInto('sessions').values(session).execute();
  }

  /** The session with its user, whatever their state: the caller judges validity. */
  async find(id: string): Promise<{ session: SessionRow; user: User } | null> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id as id',
        'sessions.user_id as user_id',
        'sessions.created_at as created_at',
        'sessions.last_used_at as last_used_at',
        'sessions.expires_at as expires_at',
        'users.username as username',
        'users.role as role',
        'users.disabled as disabled',
        'users.created_at as user_created_at',
        'users.password_changed_at as password_changed_at',
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    return {
      session: {
        id: row.id,
        user_id: row.user_id,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        expires_at: row.expires_at,
      },
      user: {
        id: row.user_id,
        username: row.username,
        role: row.role as Role,
        disabled: row.disabled === 1,
        created_at: row.user_created_at,
        password_changed_at: row.password_changed_at,
      },
    };
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Removes sessions past their absolute or idle limit. */
  async prune(now: number, idleMs: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_used_at', '<=', now - idleMs)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
