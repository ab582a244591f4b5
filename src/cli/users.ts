import type { Command } from 'commander';
import type { Logger } from 'pino';
import { userInfo } from 'node:os';
import { journalObject } from '../audit/object-id.js';
import type { ApiToken, AuthService, User } from '../auth/index.js';
import { secretValues } from '../config/index.js';
import { ErrorCode, isAppError } from '../errors.js';
import { configForCommand } from './config-loader.js';
import { CliExit } from './exit.js';

interface WithConfig {
  config?: string;
}

const PASSWORD_ENV = 'LOGWARDEN_ADMIN_PASSWORD';

/** What a changing command records in the operations journal. */
interface CliOperation<T> {
  action: string;
  /** The object acted on, named as every journal writer names it (journalObject). */
  object: (result: T) => string;
  /** What the command was given, for an entry whose object was never found. */
  details: Record<string, unknown>;
}

/**
 * Runs `fn` with the auth service over the configured database and records the
 * operation (a change made from the CLI is the operator's, and belongs in the journal
 * as much as one made through the API); bad input exits 2.
 */
async function withAuth<T>(
  options: WithConfig,
  operation: CliOperation<T> | null,
  fn: (auth: AuthService) => Promise<T>,
): Promise<T> {
  const { config, secrets } = configForCommand(options.config);
  // Loaded here, not at the top: every command of the CLI (the image's healthcheck
  // every 10 s among them) would pay for the database and auth modules otherwise.
  const [{ pino }, { createAudit }, { createAuth }, { migrateToLatest, openStore }] =
    await Promise.all([
      import('pino'),
      import('../audit/index.js'),
      import('../auth/index.js'),
      import('../store/index.js'),
    ]);
  const store = openStore({ url: secrets.databaseUrl, dataDir: config.dataDir });
  const log: Logger = pino({ level: 'silent' });
  const secretList = secretValues(secrets);
  const { journal } = createAudit({ log, knownSecrets: () => secretList }, config);
  const record = (outcome: { result: T } | { error_code: string }) => {
    if (!operation) return;
    const done = 'result' in outcome;
    journal.record({
      source: 'auth',
      actor: `cli:${userInfo().username}`,
      action: operation.action,
      object: done ? operation.object(outcome.result) : null,
      success: done,
      error_code: done ? null : outcome.error_code,
      details: operation.details,
    });
  };
  try {
    await migrateToLatest(store);
    if (operation) await journal.replay();
    const { service: auth } = createAuth({ db: store.db, journal, log }, config);
    const result = await fn(auth);
    record({ result });
    return result;
  } catch (err) {
    record({ error_code: isAppError(err) ? err.code : ErrorCode.Internal });
    if (
      isAppError(err) &&
      ([ErrorCode.ValidationFailed, ErrorCode.NotFound, ErrorCode.Conflict] as string[]).includes(
        err.code,
      )
    )
      throw new CliExit(2, err.message);
    throw err;
  } finally {
    journal.close();
    await store.destroy();
  }
}

/** The password from LOGWARDEN_ADMIN_PASSWORD, else the first line of stdin. */
async function readPassword(): Promise<string> {
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    if (chunk.includes(0x0a)) break;
  }
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new CliExit(2, `no password: pipe it on stdin or set ${PASSWORD_ENV}`);
  return line;
}

const describeUser = (u: User) =>
  `${u.id}\t${u.username}\t${u.role}${u.disabled ? '\tdisabled' : ''}`;

export function registerUserCommands(program: Command): void {
  const users = program.command('users').description('manage who can sign in');

  users
    .command('add <username>')
    .description(`create a user; password from stdin or ${PASSWORD_ENV}`)
    .option('--admin', 'give the admin role (default: viewer)')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (username: string, options: WithConfig & { admin?: boolean }) => {
      const password = await readPassword();
      const op = {
        action: 'user.create',
        object: (u: User) => journalObject.user(u.id),
        details: { username },
      };
      const user = await withAuth(options, op, (auth) =>
        auth.createUser({ username, password, role: options.admin ? 'admin' : 'viewer' }),
      );
      console.log(`created ${describeUser(user)}`);
    });

  users
    .command('passwd <username>')
    .description(
      `set a new password (signs the user out everywhere); from stdin or ${PASSWORD_ENV}`,
    )
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (username: string, options: WithConfig) => {
      const password = await readPassword();
      const op = {
        action: 'user.update',
        object: (u: User) => journalObject.user(u.id),
        details: { username, changed: ['password'] },
      };
      await withAuth(options, op, async (auth) =>
        auth.updateUser((await auth.findUser(username)).id, { password }),
      );
      console.log(`password changed for ${username}; their sessions and tokens are revoked`);
    });

  users
    .command('disable <username>')
    .description('disable a user and revoke their sessions and tokens')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (username: string, options: WithConfig) => {
      const op = {
        action: 'user.update',
        object: (u: User) => journalObject.user(u.id),
        details: { username, changed: ['disabled'] },
      };
      await withAuth(options, op, async (auth) =>
        auth.updateUser((await auth.findUser(username)).id, { disabled: true }),
      );
      console.log(`disabled ${username}`);
    });

  users
    .command('list')
    .description('list users')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (options: WithConfig) => {
      for (const user of await withAuth(options, null, (auth) => auth.listUsers()))
        console.log(describeUser(user));
    });

  const tokens = program.command('tokens').description('manage API tokens');

  tokens
    .command('create')
    .description('create an API token owned by a user; prints it once')
    .requiredOption('--name <name>', 'what the token is for')
    .requiredOption('--user <username>', 'the user who owns it (revoked with their password)')
    .option('--role <role>', 'admin or viewer', 'viewer')
    .option('--scope <scope>', 'full, or metrics to read only /metrics', 'full')
    .option('--expires <time>', 'RFC 3339 expiry')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(
      async (
        options: WithConfig & {
          name: string;
          user: string;
          role: string;
          scope: string;
          expires?: string;
        },
      ) => {
        const op = {
          action: 'token.create',
          object: (r: { info: ApiToken }) => journalObject.token(r.info.id),
          details: { name: options.name, user: options.user },
        };
        const { token, info } = await withAuth(options, op, async (auth) =>
          auth.createToken(
            {
              name: options.name,
              role: options.role,
              scope: options.scope,
              expires_at: options.expires,
            },
            { user_id: (await auth.findUser(options.user)).id },
          ),
        );
        console.error(`token ${info.id} (${info.name}, ${info.role}, ${info.scope}); shown once:`);
        console.log(token);
      },
    );

  tokens
    .command('revoke <id>')
    .description('revoke an API token by id')
    .option('-c, --config <file>', 'YAML configuration file')
    .action(async (id: string, options: WithConfig) => {
      if (!/^\d+$/.test(id))
        throw new CliExit(2, `token id must be a number, got ${JSON.stringify(id)}`);
      const op = {
        action: 'token.revoke',
        object: () => journalObject.token(Number(id)),
        details: { id: Number(id) },
      };
      await withAuth(options, op, (auth) => auth.revokeToken(Number(id)));
      console.log(`revoked token ${id}`);
    });
}
