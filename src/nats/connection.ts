import { readFileSync } from 'node:fs';
import {
  connect,
  credsAuthenticator,
  errors as natsErrors,
  type Authenticator,
  type NatsConnection,
  type NodeConnectionOptions,
  type Status,
} from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../errors.js';
import { sleep } from '../sleep.js';
import { NATS_KEYS, type NatsConfig, type NatsSecrets } from './config.js';

/**
 * - connecting: no connection yet (the first one is being tried, for as long as it takes);
 * - connected: a connection is up;
 * - reconnecting: it was up and broke; the client tries again, forever;
 * - closed: given up (close() was called, or the first connection was refused by auth).
 */
export type NatsState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** For health reporting: snake_case as the API shows it. */
export interface NatsStatus {
  state: NatsState;
  /** The server connected to (or last connected to); never holds credentials. */
  server: string | null;
  /** Milliseconds since the epoch when `state` was entered. */
  since: number;
  last_error: string | null;
  last_error_at: number | null;
  /** Connections made after the first one. */
  reconnects: number;
}

export interface NatsLinkOptions {
  /** The client name the server lists (`nats server report connections`). */
  name: string;
  log?: Logger;
  /** Wait between attempts to reach a server; default 2000 ms (with jitter). */
  reconnectWaitMs?: number;
  /** Bound of one attempt (TCP, TLS, CONNECT/PONG); default 5000 ms. */
  connectTimeoutMs?: number;
  /** A prefix for reply inboxes, for NATS users allowed only their own (`_INBOX_<host>`). */
  inboxPrefix?: string;
}

const DEFAULT_RECONNECT_WAIT_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

function readKeyFile(key: keyof typeof NATS_KEYS, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const spec = NATS_KEYS[key];
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${spec.key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { field: spec.key, cause: err },
    );
  }
}

/**
 * The credentials file, read again at every connect: nsc reissues user JWTs (expiry,
 * changed permissions), and a client holding the first one would reconnect for ever with
 * credentials the server no longer takes. While the file is missing or does not parse
 * (being replaced), the last good one is used: nats.js closes the connection for good
 * when an authenticator throws.
 */
function credsFromFile(path: string): Authenticator {
  const encode = (text: string) => new TextEncoder().encode(text);
  let last = credsAuthenticator(encode(readKeyFile('natsCredsFile', path)));
  try {
    last('');
  } catch (err) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${NATS_KEYS.natsCredsFile.key}: ${path} does not hold a user JWT and NKEY seed`,
      { field: NATS_KEYS.natsCredsFile.key, cause: err },
    );
  }
  return (nonce) => {
    try {
      const fresh = credsAuthenticator(encode(readFileSync(path, 'utf8')));
      const auth = fresh(nonce);
      last = fresh;
      return auth;
    } catch {
      return last(nonce);
    }
  };
}

/**
 * The client options for the configured server(s) and credentials. Reads the
 * credentials and TLS files now, so a missing one is an error naming its key (the
 * credentials file again at each connect). Reconnects forever, also after an
 * authentication error (credentials may be fixed on the server side): status() says
 * why it does not get in.
 */
export function natsConnectOptions(
  config: NatsConfig,
  secrets: NatsSecrets,
  options: NatsLinkOptions,
): NodeConnectionOptions {
  if (config.natsUrl.length === 0)
    throw new AppError(ErrorCode.ConfigInvalid, `${NATS_KEYS.natsUrl.key}: is not set`, {
      field: NATS_KEYS.natsUrl.key,
    });
  const wantsTls =
    config.natsTlsCa !== null ||
    config.natsTlsCert !== null ||
    config.natsUrl.some((u) => u.startsWith('tls:'));
  return {
    servers: [...config.natsUrl],
    name: options.name,
    ...(config.natsUser !== null && secrets.natsPassword !== null
      ? { user: config.natsUser, pass: secrets.natsPassword }
      : {}),
    ...(secrets.natsToken !== null ? { token: secrets.natsToken } : {}),
    ...(config.natsCredsFile !== null
      ? { authenticator: credsFromFile(config.natsCredsFile) }
      : {}),
    ...(wantsTls
      ? {
          tls: {
            ...(config.natsTlsCa !== null
              ? { ca: readKeyFile('natsTlsCa', config.natsTlsCa) }
              : {}),
            ...(config.natsTlsCert !== null
              ? { cert: readKeyFile('natsTlsCert', config.natsTlsCert) }
              : {}),
            ...(config.natsTlsKey !== null
              ? { key: readKeyFile('natsTlsKey', config.natsTlsKey) }
              : {}),
          },
        }
      : {}),
    ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectWaitMs ?? DEFAULT_RECONNECT_WAIT_MS,
    timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    ignoreAuthErrorAbort: true,
  };
}

/** An error the server gave for the credentials: retrying the same ones will not help. */
export function isAuthError(err: unknown): boolean {
  return (
    err instanceof natsErrors.AuthorizationError ||
    err instanceof natsErrors.UserAuthenticationExpiredError
  );
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

/**
 * One connection to NATS, kept up: start() returns at once and connects in the
 * background, retrying unreachable servers forever; once connected, the client
 * reconnects by itself, forever. ready() answers the connection once there is one.
 * Credentials are never logged: only states, servers and error messages are.
 */
export class NatsLink {
  private connection: NatsConnection | null = null;
  private current: NatsStatus = {
    state: 'connecting',
    server: null,
    since: Date.now(),
    last_error: null,
    last_error_at: null,
    reconnects: 0,
  };
  private readonly listeners = new Set<(status: NatsStatus) => void>();
  private closing = false;
  private readonly stopRetrying = new AbortController();
  private started: Promise<NatsConnection> | null = null;
  private readonly connectOptions: NodeConnectionOptions;

  constructor(
    config: NatsConfig,
    secrets: NatsSecrets,
    private readonly options: NatsLinkOptions,
  ) {
    // Built (and the files read) now: a configuration mistake surfaces at construction.
    this.connectOptions = natsConnectOptions(config, secrets, options);
  }

  /** Connects and resolves once connected; the first attempt failing does not reject. */
  start(): Promise<NatsConnection> {
    this.started ??= this.firstConnect();
    return this.started;
  }

  /** The connection once there is one (start() must have been called). */
  ready(): Promise<NatsConnection> {
    if (!this.started) throw new Error('NatsLink.start() was not called');
    return this.started;
  }

  /** The connection, or null while there has never been one. */
  get nc(): NatsConnection | null {
    return this.connection;
  }

  status(): NatsStatus {
    return { ...this.current };
  }

  /** Hears every change of state or last error; returns the function that stops it. */
  onStatus(listener: (status: NatsStatus) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Drains (pending publishes and subscriptions finish) and closes. A connection that
   * never came up stops trying.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.stopRetrying.abort();
    const nc = this.connection;
    if (nc && !nc.isClosed()) {
      try {
        await nc.drain();
      } catch {
        await nc.close().catch(() => undefined);
      }
    }
    await this.started?.catch(() => undefined);
    this.set({ state: 'closed' });
  }

  private set(change: Partial<NatsStatus>): void {
    const next = { ...this.current, ...change };
    if (change.state !== undefined && change.state !== this.current.state) next.since = Date.now();
    this.current = next;
    for (const listener of this.listeners) listener({ ...next });
  }

  private failed(err: unknown): void {
    this.set({ last_error: describe(err), last_error_at: Date.now() });
  }

  private async firstConnect(): Promise<NatsConnection> {
    const wait = this.options.reconnectWaitMs ?? DEFAULT_RECONNECT_WAIT_MS;
    let attempts = 0;
    for (;;) {
      if (this.closing) throw new Error('NATS connection closed before it was made');
      try {
        const nc = await connect(this.connectOptions);
        if (this.closing) {
          await nc.close();
          throw new Error('NATS connection closed before it was made');
        }
        this.connection = nc;
        this.follow(nc);
        this.set({ state: 'connected', server: nc.getServer() });
        this.options.log?.info({ server: nc.getServer() }, 'connected to NATS');
        return nc;
      } catch (err) {
        if (this.closing) throw err;
        this.failed(err);
        if (isAuthError(err)) {
          // Wrong credentials at start are a configuration mistake to report, not wait out.
          this.set({ state: 'closed' });
          this.options.log?.error({ err: describe(err) }, 'NATS refused the credentials');
          throw err;
        }
        if (attempts++ % 30 === 0)
          this.options.log?.warn({ err: describe(err) }, 'cannot reach NATS yet; retrying');
        await sleep(wait, this.stopRetrying.signal);
      }
    }
  }

  private follow(nc: NatsConnection): void {
    void (async () => {
      for await (const s of nc.status()) this.onClientStatus(s);
    })().catch(() => undefined);
    void nc.closed().then((err) => {
      if (err) this.failed(err);
      this.set({ state: 'closed' });
      if (!this.closing)
        this.options.log?.error({ err: err ? describe(err) : null }, 'NATS connection closed');
    });
  }

  private onClientStatus(s: Status): void {
    switch (s.type) {
      case 'disconnect':
        if (this.closing) return;
        this.set({ state: 'reconnecting' });
        this.options.log?.warn({ server: s.server }, 'NATS connection lost; reconnecting');
        return;
      case 'reconnecting':
        if (this.current.state === 'connected' && !this.closing)
          this.set({ state: 'reconnecting' });
        return;
      case 'reconnect':
        this.set({
          state: 'connected',
          server: s.server,
          reconnects: this.current.reconnects + 1,
        });
        this.options.log?.info({ server: s.server }, 'reconnected to NATS');
        return;
      case 'error':
        this.failed(s.error);
        return;
      default:
        return;
    }
  }
}
