import { journalObject } from '../audit/object-id.js';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../errors.js';
import type { AuthJournal, AuthService } from './auth-service.js';
import type { User } from './model.js';

export const SETUP_TOKEN_FILE = 'setup-token';

/**
 * An install without users can be claimed only with the one-time token printed to the
 * log and written (0600) to the data directory: whoever reaches the port first does
 * not get the admin account.
 */
export class FirstRun {
  private token: string | null = null;

  constructor(
    private readonly auth: AuthService,
    private readonly dataDir: string,
    private readonly log: Logger,
    private readonly journal: AuthJournal,
  ) {}

  /** At start: with no users, make a fresh token and say where it is. */
  async prepare(): Promise<void> {
    if (await this.auth.hasUsers()) {
      await rm(this.path(), { force: true });
      return;
    }
    this.token = `setup_${randomBytes(24).toString('base64url')}`;
    await mkdir(this.dataDir, { recursive: true });
    // A fresh file, never through a link someone left there, readable by us only.
    await rm(this.path(), { force: true });
    await writeFile(this.path(), `${this.token}\n`, { mode: 0o600, flag: 'wx' });
    // In the message, not a field: fields named like secrets are redacted, and the
    // operator reading this log is who the token is for.
    this.log.warn(
      { file: this.path() },
      `no users yet: open the web UI and create the first admin with the setup token ${this.token} (also in the file; or run \`logwarden users add --admin NAME\`)`,
    );
  }

  async needed(): Promise<boolean> {
    return !(await this.auth.hasUsers());
  }

  async claim(input: { token: unknown; username: unknown; password: unknown }): Promise<User> {
    const expected = this.token;
    const given = typeof input.token === 'string' ? Buffer.from(input.token) : Buffer.alloc(0);
    const matches =
      expected !== null &&
      given.length === expected.length &&
      timingSafeEqual(given, Buffer.from(expected));
    if (!matches) {
      this.journal.record({
        source: 'auth',
        actor: '(setup)',
        action: 'auth.setup',
        success: false,
        error_code: ErrorCode.Forbidden,
      });
      throw new AppError(ErrorCode.Forbidden, 'the setup token is wrong', { field: 'token' });
    }
    // Taken before the first await: a second claim with the same token finds none.
    this.token = null;
    try {
      if (await this.auth.hasUsers())
        throw new AppError(ErrorCode.Conflict, 'this install has been set up already');
      const user = await this.auth.createUser({ ...input, role: 'admin' });
      this.journal.record({
        source: 'auth',
        actor: user.username,
        action: 'auth.setup',
        object: journalObject.user(user.id),
        success: true,
      });
      await rm(this.path(), { force: true });
      return user;
    } catch (err) {
      // Bad input (a short password): the token stays usable for a corrected attempt.
      if (!(await this.auth.hasUsers())) this.token = expected;
      throw err;
    }
  }

  private path(): string {
    return join(this.dataDir, SETUP_TOKEN_FILE);
  }
}
