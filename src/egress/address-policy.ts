import ipaddr from 'ipaddr.js';

/** Which destinations outgoing notifications may reach, beyond the public internet. */
export interface AddressPolicy {
  /** Refuse RFC 1918, carrier-grade NAT and IPv6 unique-local addresses too. */
  denyPrivate: boolean;
  /** Let 127.0.0.0/8 and ::1 through: for tests against a local receiver only. */
  allowLoopback: boolean;
}

export const DEFAULT_POLICY: AddressPolicy = { denyPrivate: false, allowLoopback: false };

/** One address no notification may reach, and why, as a phrase: `is the Azure WireServer`. */
export interface DeniedAddress {
  address: string;
  why: string;
}

/**
 * Internal services refused whatever the policy says. The ranges alone do not cover
 * them: Alibaba's metadata sits in carrier-grade NAT space and AWS's IPv6 one in
 * unique-local space (both allowed unless webhook.deny_private is on), and Azure's
 * WireServer is a public address. 169.254.169.254 is link-local and refused anyway;
 * it is listed so the reason names it.
 */
export const INTERNAL_SERVICES: readonly DeniedAddress[] = [
  {
    address: '169.254.169.254',
    why: 'is the cloud metadata service (AWS, GCP, Azure, Oracle, DigitalOcean, OpenStack)',
  },
  { address: 'fd00:ec2::254', why: 'is the AWS metadata service (IPv6)' },
  { address: 'fd20:ce::254', why: 'is the Google Cloud metadata service (IPv6)' },
  { address: '100.100.100.200', why: 'is the Alibaba Cloud metadata service' },
  { address: '168.63.129.16', why: 'is the Azure WireServer (host agent and metadata)' },
  { address: '192.0.0.192', why: 'is the Oracle Cloud Classic metadata service' },
];

/** Compares addresses in one spelling: `FD00:EC2:0::254` and `fd00:ec2::254` are one. */
function canonical(address: string): string | null {
  try {
    return ipaddr.process(address).toNormalizedString();
  } catch {
    return null;
  }
}

const INTERNAL = new Map(INTERNAL_SERVICES.map((d) => [canonical(d.address)!, d.why]));

/** Why `normalized` is on the deny list (always-on services, then `extra`), or null. */
function deniedWhy(normalized: string, extra: readonly DeniedAddress[]): string | null {
  const known = INTERNAL.get(normalized);
  if (known) return known;
  return extra.find((d) => canonical(d.address) === normalized)?.why ?? null;
}

const IPV4_PRIVATE = new Set(['private', 'carrierGradeNat']);

/** 2000::/3: the only IPv6 block with global unicast addresses. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** What is wrong with an address in a range, as a phrase: `is a loopback address`. */
function describeRange(range: string): string {
  switch (range) {
    case 'loopback':
      return 'is a loopback address';
    case 'linkLocal':
      return 'is a link-local address (where cloud metadata services live)';
    case 'unspecified':
      return 'is the unspecified address';
    case 'multicast':
      return 'is a multicast address';
    case 'broadcast':
      return 'is the broadcast address';
    case 'private':
    case 'carrierGradeNat':
    case 'uniqueLocal':
      return 'is a private address and webhook.deny_private is on';
    default:
      return `is in a reserved range (${range})`;
  }
}

export interface Refusal {
  /** The address in its canonical spelling. */
  address: string;
  /** A phrase: `is a loopback address`. */
  why: string;
}

/**
 * Why an IP address may not be dialled, or null when it may. Every spelling is
 * reduced first: IPv4-mapped IPv6 (`::ffff:7f00:1`) is judged as the IPv4 address
 * it carries, and IPv6 forms that embed IPv4 (compatible, NAT64, 6to4, Teredo) are
 * refused outright rather than decoded. Listed internal services (INTERNAL_SERVICES and
 * `denied`, such as the Docker host) are refused in any policy.
 */
export function refusalOf(
  address: string,
  policy: AddressPolicy,
  denied: readonly DeniedAddress[] = [],
): Refusal | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return { address, why: 'is not an IP address' };
  }
  const refuse = (range: string): Refusal => ({
    address: parsed.toString(),
    why: describeRange(range),
  });
  // Before the ranges: neither allow_loopback nor a permissive policy lets these through.
  const listed = deniedWhy(parsed.toNormalizedString(), denied);
  if (listed) return { address: parsed.toString(), why: listed };
  const range = parsed.range();
  if (parsed.kind() === 'ipv4') {
    if (range === 'unicast') return null;
    if (IPV4_PRIVATE.has(range)) return policy.denyPrivate ? refuse(range) : null;
    if (range === 'loopback' && policy.allowLoopback) return null;
    return refuse(range);
  }
  if (range === 'loopback') return policy.allowLoopback ? null : refuse(range);
  if (range === 'uniqueLocal') return policy.denyPrivate ? refuse(range) : null;
  if (range !== 'unicast') return refuse(range);
  // ipaddr calls everything it has no name for unicast, IPv4-compatible ::a.b.c.d
  // included; only 2000::/3 is actually global.
  if (!(parsed as ipaddr.IPv6).match(GLOBAL_UNICAST_V6)) return refuse('outside 2000::/3');
  return null;
}

/** `127.0.0.1 is a loopback address`, or null when the address may be dialled. */
export function refusalReason(
  address: string,
  policy: AddressPolicy,
  denied: readonly DeniedAddress[] = [],
): string | null {
  const refusal = refusalOf(address, policy, denied);
  return refusal && `${refusal.address} ${refusal.why}`;
}

/** `hooks.example resolves to 127.0.0.1, which is a loopback address`. */
export function nameRefusalReason(name: string, refusal: Refusal): string {
  return `${name} resolves to ${refusal.address}, which ${refusal.why}`;
}
