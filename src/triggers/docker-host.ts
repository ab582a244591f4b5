import { isIP } from 'node:net';
import type { DeniedAddress } from './address-policy.js';
import type { Lookup } from './safe-http.js';

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
