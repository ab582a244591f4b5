import type { Logger } from 'pino';
import { isIP } from 'node:net';
import type { DeniedAddress } from './address-policy.js';
import { systemLookup, type Lookup } from './safe-http.js';

const WHY = 'is the Docker host Logwarden watches (its Engine API must not be a target)';

/**
 * The addresses of a Docker host reached over the network (tcp://, http://, https://),
 * to refuse as notification targets: a webhook with a body template could otherwise
 * POST /containers/create to an unauthenticated Engine API. A unix socket has none.
 * Throws when the host name does not resolve; the caller says so and goes on.
 */
export async function dockerHostDenials(
  dockerHost: string,
  lookup: Lookup,
): Promise<DeniedAddress[]> {
  if (!/^(tcp|https?):\/\//i.test(dockerHost)) return [];
  const hostname = new URL(dockerHost.replace(/^tcp:/i, 'http:')).hostname;
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  const addresses = isIP(bare) ? [bare] : await lookup(bare);
  return [...new Set(addresses)].map((address) => ({ address, why: WHY }));
}

/**
 * The Docker host's addresses when its Engine API is reached over the network, so no
 * notification can be aimed at it. Resolved once, here; a name that does not resolve
 * now is reported and left off (deny_private or a firewall must then cover it).
 */
export async function resolveDockerHostDenials(
  dockerHost: string,
  log: Logger,
): Promise<DeniedAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('resolving the docker host timed out')), 5_000);
  });
  try {
    const denied = await Promise.race([dockerHostDenials(dockerHost, systemLookup), timeout]);
    if (denied.length > 0)
      log.info({ addresses: denied.map((d) => d.address) }, 'docker host denied as a target');
    return denied;
  } catch (err) {
    log.warn({ err }, 'cannot resolve the docker host: notifications are not kept from it');
    return [];
  } finally {
    clearTimeout(timer);
  }
}
