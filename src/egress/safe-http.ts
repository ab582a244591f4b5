import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import {
  nameRefusalReason,
  refusalOf,
  refusalReason,
  type AddressPolicy,
  type DeniedAddress,
} from './address-policy.js';

/** Every address a host name resolves to. */
export type Lookup = (hostname: string) => Promise<string[]>;

export const systemLookup: Lookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface SafeHttpOptions {
  /** Whole request, connect to the last byte read. */
  timeoutMs?: number;
  /** Response bodies are read up to this many bytes; the rest is dropped. */
  maxBodyBytes?: number;
  /** Tests hand in a resolver to play DNS tricks. */
  lookup?: Lookup;
  /**
   * Addresses refused on top of the always-denied internal services, whatever the
   * policy: the Docker host when Logwarden reaches its Engine API over the network.
   */
  denied?: readonly DeniedAddress[];
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body, at most maxBodyBytes of it, as UTF-8. */
  body: string;
  latency_ms: number;
}

/**
 * Why a request was not answered. The message never carries the URL: chat webhook
 * URLs and Telegram paths embed credentials.
 */
export class OutgoingRequestError extends Error {
  constructor(
    readonly kind: 'refused' | 'timeout' | 'network' | 'aborted',
    message: string,
    readonly latency_ms: number | null = null,
  ) {
    super(message);
    this.name = 'OutgoingRequestError';
  }
}

/** A refusal from the connect-time check, told apart from socket errors. */
class AddressRefusedError extends Error {
  readonly code = 'LW_ADDRESS_REFUSED';
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY = 64 * 1024;

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Why a URL is not an acceptable target on its form alone (scheme, credentials), or null. */
export function urlSyntaxProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `scheme ${url.protocol.replace(/:$/, '')} is not allowed; use http or https`;
  if (url.username !== '' || url.password !== '')
    return 'credentials in the URL are not allowed; use the channel’s token or header fields';
  if (url.hostname === '') return 'has no host';
  return null;
}

/**
 * Why a URL may not be used as a target, judged on its text alone (form and a
 * literal address), or null. The WHATWG parser has already rewritten `127.1`,
 * `2130706433` and `0x7f.1` to `127.0.0.1`, so literals are judged as dialled.
 */
export function urlRefusal(
  raw: string,
  policy: AddressPolicy,
  denied: readonly DeniedAddress[] = [],
): string | null {
  const problem = urlSyntaxProblem(raw);
  if (problem) return problem;
  const host = stripBrackets(new URL(raw).hostname);
  return isIP(host) ? refusalReason(host, policy, denied) : null;
}

/**
 * The one way notifications reach the network over HTTP. Every connection is dialled
 * to an address this module resolved and checked itself, so a name that resolves
 * differently the second time (DNS rebinding) cannot slip through; redirects are never
 * followed; a request has ten seconds in all; at most 64 KiB of an answer is read.
 */
export class SafeHttp {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly lookup: Lookup;
  private readonly denied: readonly DeniedAddress[];

  constructor(
    private readonly policy: AddressPolicy,
    options: SafeHttpOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.lookup = options.lookup ?? systemLookup;
    this.denied = options.denied ?? [];
    const dial = buildConnector({ timeout: this.timeoutMs });
    this.agent = new Agent({
      // The original host stays in `host`, so TLS still verifies the certificate for
      // the name; only the address dialled is replaced by the checked one.
      connect: (options, callback) => {
        this.permittedAddress(options.hostname).then(
          (address) => dial({ ...options, hostname: address }, callback),
          (err: Error) => callback(err, null),
        );
      },
      keepAliveTimeout: 4_000,
      connections: 16,
    });
  }

  /**
   * Save-time check of a target URL: the static rules, then every address its host
   * resolves to now. A name that does not resolve passes (DNS may be down for a
   * moment); the connect-time check still applies on every request. Null when fine.
   */
  async checkUrl(raw: string): Promise<string | null> {
    const refused = urlRefusal(raw, this.policy, this.denied);
    if (refused) return refused;
    return this.checkHost(stripBrackets(new URL(raw).hostname));
  }

  /** Save-time check of a bare host (SMTP): null when fine. */
  async checkHost(host: string): Promise<string | null> {
    const bare = stripBrackets(host);
    if (isIP(bare)) return refusalReason(bare, this.policy, this.denied);
    let addresses: string[];
    try {
      addresses = await this.resolve(bare);
    } catch {
      return null;
    }
    for (const address of addresses) {
      const refusal = refusalOf(address, this.policy, this.denied);
      if (refusal) return nameRefusalReason(bare, refusal);
    }
    return null;
  }

  /**
   * The address to dial for `hostname`: the literal itself, or the first one it
   * resolves to. Refused when any address it resolves to is refused, so a name cannot
   * pair a public address with an internal one and hope for the second.
   */
  async permittedAddress(hostname: string): Promise<string> {
    const bare = stripBrackets(hostname);
    const addresses = isIP(bare) ? [bare] : await this.resolve(bare);
    if (addresses.length === 0) throw new AddressRefusedError(`${bare} does not resolve`);
    for (const address of addresses) {
      const refusal = refusalOf(address, this.policy, this.denied);
      if (refusal)
        throw new AddressRefusedError(
          isIP(bare) ? `${refusal.address} ${refusal.why}` : nameRefusalReason(bare, refusal),
        );
    }
    return addresses[0]!;
  }

  private async resolve(host: string): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`resolving ${host} timed out`)), this.timeoutMs);
    });
    try {
      return await Promise.race([this.lookup(host), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** POSTs `body`; resolves with any HTTP answer, rejects with OutgoingRequestError. */
  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
  ): Promise<HttpResult> {
    const refused = urlRefusal(url, this.policy, this.denied);
    if (refused) throw new OutgoingRequestError('refused', `refused: ${refused}`);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: combined,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const text = await this.readCapped(res.body);
      return { status: res.statusCode, headers: res.headers, body: text, latency_ms: elapsed() };
    } catch (err) {
      throw this.describe(err, timeout.aborted, signal?.aborted ?? false, elapsed());
    }
  }

  private async readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const room = this.maxBodyBytes - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= this.maxBodyBytes) {
        body.destroy();
        break;
      }
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private describe(
    err: unknown,
    timedOut: boolean,
    aborted: boolean,
    latency: number,
  ): OutgoingRequestError {
    if (err instanceof AddressRefusedError)
      return new OutgoingRequestError('refused', `refused: ${err.message}`, latency);
    if (aborted) return new OutgoingRequestError('aborted', 'aborted', latency);
    if (timedOut)
      return new OutgoingRequestError(
        'timeout',
        `no answer within ${Math.round(this.timeoutMs / 1000)} s`,
        latency,
      );
    // Codes only: undici's messages are safe today, but a code cannot leak a path.
    const code =
      (err as { code?: string; cause?: { code?: string } }).code ??
      (err as { cause?: { code?: string } }).cause?.code;
    return new OutgoingRequestError(
      'network',
      `connection failed${code ? ` (${code})` : ''}`,
      latency,
    );
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
