import type { Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, Database } from '../store/index.js';
import type { ApiToken, User } from './model.js';
import type { Role, TokenScope } from './principal.js';

function toToken(row: Selectable<ApiTokensTable>): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    user_id: row.user_id,
    role: row.role as Role,
    scope: row.scope as TokenScope,
    created_at: row.created_at,
    expires_at: row.expires_at,
    last_used_at: row.last_used_at,
    revoked_at: row.revoked_at,
  };
}

export class TokenRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(
    token: Omit<ApiToken, 'id' | 'last_used_at' | 'revoked_at'> & { token_hash: string },
  ) {
    const row = await this.db
      .insertInto('api_tokens')
      .values({ ...token, last_used_at: null, revoked_at: null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toToken(row);
  }

  async list(): Promise<ApiToken[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
    return rows.map(toToken);
  }

  async get(id: number): Promise<ApiToken | null> {
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toToken(row) : null;
  }

  /** The token with its owner, whatever their state: the caller judges validity. */
  async findByHash(hash: string): Promise<{ token: ApiToken; owner: User } | null> {
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('api_tokens')
      .select([
        'users.username as owner_username',
        'users.role as owner_role',
        'users.disabled as owner_disabled',
        'users.created_at as owner_created_at',
        'users.password_changed_at as owner_password_changed_at',
      ])
      .where('api_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return null;
    return {
      token: toToken(row),
      owner: {
        id: row.user_id,
        username: row.owner_username,
        role: row.owner_role as Role,
        disabled: row.owner_disabled === 1,
        created_at: row.owner_created_at,
        password_changed_at: row.owner_password_changed_at,
      },
    };
  }

  async touch(id: number, now: number): Promise<void> {
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', id)
      .execute();
  }

  async revoke(id: number, now: number): Promise<ApiToken | null> {
    const row = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row ? toToken(row) : this.get(id);
  }
}
