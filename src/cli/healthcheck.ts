import { configForCommand } from './config-loader.js';
import { CliExit } from './exit.js';

export interface HealthcheckOptions {
  config?: string;
  url?: string;
  timeout: string;
}

/**
 * Where a local probe reaches the server: a wildcard bind is asked on loopback, any other
 * address as it is. The image's HEALTHCHECK runs this, so it needs no curl.
 */
export function healthzUrl(listen: { host: string; port: number }): string {
  const host =
    listen.host === '0.0.0.0' || listen.host === ''
      ? '127.0.0.1'
      : listen.host === '::'
        ? '::1'
        : listen.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}/healthz`;
}

/** Exits 0 when /healthz answers 200 within the timeout, 1 (with the reason) otherwise. */
export async function healthcheck(options: HealthcheckOptions): Promise<void> {
  const timeoutMs = Number(options.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new CliExit(2, `--timeout: expected seconds > 0, got ${JSON.stringify(options.timeout)}`);
  const url = options.url ?? healthzUrl(configForCommand(options.config).config.listen);
  let status: number;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    status = response.status;
    await response.body?.cancel();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new CliExit(1, `unhealthy: ${url}: ${cause ?? (err as Error).message}`);
  }
  if (status !== 200) throw new CliExit(1, `unhealthy: ${url} answered ${status}`);
  console.log(`healthy: ${url}`);
}
