import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type WebhookReceiver } from '../../test/fakes/webhook-receiver.js';
import { INTERNAL_SERVICES, refusalReason, type AddressPolicy } from './address-policy.js';
import { dockerHostDenials } from './docker-host.js';
import { OutgoingRequestError, SafeHttp, urlRefusal, type Lookup } from './safe-http.js';

const STRICT: AddressPolicy = { denyPrivate: false, allowLoopback: false };
const LOOPBACK_OK: AddressPolicy = { denyPrivate: false, allowLoopback: true };
const DENY_PRIVATE: AddressPolicy = { denyPrivate: true, allowLoopback: false };

/** Every request that reaches it is a failure of the guard. Dual-stack: v4 and v6. */
let canary: WebhookReceiver;
const clients: SafeHttp[] = [];

function client(
  policy: AddressPolicy,
  lookup?: Lookup,
  timeoutMs?: number,
  denied: Awaited<ReturnType<typeof dockerHostDenials>> = [],
): SafeHttp {
  const http = new SafeHttp(policy, { lookup, timeoutMs, denied });
  clients.push(http);
  return http;
}

beforeAll(async () => {
  canary = await startReceiver(() => ({ status: 200 }), '::');
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await canary.close();
});

async function refusedBy(http: SafeHttp, url: string): Promise<string> {
  const err = await http.post(url, {}, '{}').then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutgoingRequestError);
  expect((err as OutgoingRequestError).kind).toBe('refused');
  return (err as OutgoingRequestError).message;
}

describe('SSRF guard', () => {
  const port = () => canary.port;
  const matrix: [string, (p: number) => string, RegExp][] = [
    ['127.0.0.1', (p) => `http://127.0.0.1:${p}/`, /127\.0\.0\.1 is a loopback address/],
    ['127.1', (p) => `http://127.1:${p}/`, /127\.0\.0\.1 is a loopback address/],
    ['2130706433', (p) => `http://2130706433:${p}/`, /127\.0\.0\.1 is a loopback address/],
    ['0x7f.1', (p) => `http://0x7f.1:${p}/`, /127\.0\.0\.1 is a loopback address/],
    ['octal 0177.0.0.1', (p) => `http://0177.0.0.1:${p}/`, /127\.0\.0\.1 is a loopback/],
    ['[::1]', (p) => `http://[::1]:${p}/`, /::1 is a loopback address/],
    ['[::ffff:127.0.0.1]', (p) => `http://[::ffff:127.0.0.1]:${p}/`, /127\.0\.0\.1 is a loopback/],
    ['[::ffff:7f00:1]', (p) => `http://[::ffff:7f00:1]:${p}/`, /127\.0\.0\.1 is a loopback/],
    ['[::7f00:1] (IPv4-compatible)', (p) => `http://[::7f00:1]:${p}/`, /reserved range/],
    ['[64:ff9b::7f00:1] (NAT64)', (p) => `http://[64:ff9b::7f00:1]:${p}/`, /reserved range/],
    ['0.0.0.0', (p) => `http://0.0.0.0:${p}/`, /0\.0\.0\.0 is the unspecified address/],
    ['[::]', (p) => `http://[::]:${p}/`, /:: is the unspecified address/],
    ['169.254.169.254', (p) => `http://169.254.169.254:${p}/`, /cloud metadata service/],
    ['169.254.170.2 (ECS task metadata)', (p) => `http://169.254.170.2:${p}/`, /link-local/],
    // Internal services in ranges the default policy allows (CGNAT, ULA, public).
    ['100.100.100.200 (Alibaba)', (p) => `http://100.100.100.200:${p}/`, /Alibaba Cloud/],
    [
      '[::ffff:100.100.100.200]',
      (p) => `http://[::ffff:100.100.100.200]:${p}/`,
      /100\.100\.100\.200 is the Alibaba Cloud metadata/,
    ],
    ['[fd00:ec2::254] (AWS IPv6)', (p) => `http://[fd00:ec2::254]:${p}/`, /AWS metadata/],
    ['[FD00:EC2:0::254]', (p) => `http://[FD00:EC2:0::254]:${p}/`, /AWS metadata/],
    ['[fd20:ce::254] (GCP IPv6)', (p) => `http://[fd20:ce::254]:${p}/`, /Google Cloud metadata/],
    ['168.63.129.16 (Azure)', (p) => `http://168.63.129.16:${p}/`, /Azure WireServer/],
    [
      '[::ffff:a83f:8110]',
      (p) => `http://[::ffff:a83f:8110]:${p}/`,
      /168\.63\.129\.16 is the Azure/,
    ],
    ['2822734096 (Azure, decimal)', (p) => `http://2822734096:${p}/`, /Azure WireServer/],
    ['192.0.0.192 (Oracle)', (p) => `http://192.0.0.192:${p}/`, /Oracle Cloud/],
    ['[fe80::1]', (p) => `http://[fe80::1]:${p}/`, /fe80::1 is a link-local address/],
    ['224.0.0.1', (p) => `http://224.0.0.1:${p}/`, /multicast/],
    ['255.255.255.255', (p) => `http://255.255.255.255:${p}/`, /broadcast/],
    ['240.0.0.1', (p) => `http://240.0.0.1:${p}/`, /reserved range/],
    ['file://', () => 'file:///etc/passwd', /scheme file is not allowed/],
    ['gopher://', (p) => `gopher://127.0.0.1:${p}/`, /scheme gopher is not allowed/],
    ['http://user:pw@host', () => 'http://user:pw@example.com/', /credentials in the URL/],
  ];

  it.each(matrix)('refuses %s on save and on send, with a reason', async (_name, url, reason) => {
    const http = client(STRICT);
    const target = url(port());
    expect(await http.checkUrl(target)).toMatch(reason);
    expect(await refusedBy(http, target)).toMatch(reason);
  });

  it('refuses a host name resolving to 127.0.0.1 (the system resolver’s localhost)', async () => {
    const http = client(STRICT);
    const target = `http://localhost:${port()}/`;
    expect(await http.checkUrl(target)).toMatch(/localhost resolves to .*loopback address/);
    expect(await refusedBy(http, target)).toMatch(/localhost resolves to .*loopback/);
  });

  it('checks the address actually dialled: a name that rebinds to loopback is refused', async () => {
    let calls = 0;
    // First answer public (the save-time check passes), then loopback (the dial).
    const rebinding: Lookup = async () => (calls++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']);
    const http = client(STRICT, rebinding);
    const target = `http://rebind.example:${port()}/`;
    expect(await http.checkUrl(target)).toBeNull();
    expect(await refusedBy(http, target)).toBe(
      'refused: rebind.example resolves to 127.0.0.1, which is a loopback address',
    );
    expect(calls).toBe(2);
  });

  it('refuses a name when any of its addresses is refused, not only the first', async () => {
    const mixed: Lookup = async () => ['93.184.216.34', '169.254.169.254'];
    const http = client(STRICT, mixed);
    expect(await refusedBy(http, `http://mixed.example:${port()}/`)).toMatch(
      /169\.254\.169\.254, which is the cloud metadata service/,
    );
  });

  it('refuses the internal services in every policy, deny_private off or on, loopback allowed or not', async () => {
    for (const policy of [STRICT, LOOPBACK_OK, DENY_PRIVATE]) {
      for (const { address, why } of INTERNAL_SERVICES) {
        expect(refusalReason(address, policy)).toBe(`${address} ${why}`);
        // A name resolving to one is refused too, at save and at connect time.
        const http = client(policy, async () => [address]);
        expect(await http.checkUrl('http://innocent.example/')).toMatch(why);
        expect(await refusedBy(http, 'http://innocent.example/')).toMatch(why);
      }
    }
    // Their neighbours are just private or public addresses.
    for (const address of ['100.100.100.201', 'fd00:ec2::253', '168.63.129.17'])
      expect(refusalReason(address, STRICT)).toBeNull();
  });

  it('refuses the Docker host of a tcp:// DOCKER_HOST: a body template cannot drive its Engine API', async () => {
    const denied = await dockerHostDenials('tcp://172.17.0.1:2375', async () => {
      throw new Error('an address literal needs no lookup');
    });
    const http = client(STRICT, async () => ['172.17.0.1'], undefined, denied);
    const reason = /172\.17\.0\.1 is the Docker host Logwarden watches/;
    for (const url of ['http://172.17.0.1:2375/containers/create', 'https://172.17.0.1:2376/']) {
      expect(await http.checkUrl(url)).toMatch(reason);
      expect(await refusedBy(http, url)).toMatch(reason);
    }
    expect(await http.checkUrl('http://docker-gateway.example:2375/')).toMatch(
      /docker-gateway\.example resolves to 172\.17\.0\.1, which is the Docker host/,
    );
    // Another private address is still a private address, allowed by default.
    expect(await client(STRICT, undefined, undefined, denied).checkUrl('http://172.17.0.2/')).toBe(
      null,
    );
  });

  it('refuses the Docker host even where the policy would let its address through', async () => {
    // allow_loopback lets 127.0.0.1 through; a Docker host there stays out of reach.
    const denied = await dockerHostDenials(`tcp://localhost:${port()}`, async () => [
      '127.0.0.1',
      '::1',
    ]);
    expect(denied.map((d) => d.address)).toEqual(['127.0.0.1', '::1']);
    const http = client(LOOPBACK_OK, undefined, undefined, denied);
    for (const host of ['127.0.0.1', '[::1]', '[::ffff:127.0.0.1]'])
      expect(await refusedBy(http, `http://${host}:${port()}/containers/create`)).toMatch(
        /is the Docker host Logwarden watches/,
      );
    expect(canary.requests).toHaveLength(0);
  });

  it('finds the Docker host’s addresses only for network hosts', async () => {
    const lookup: Lookup = async (name) => (name === 'dockerd.lan' ? ['10.0.0.5', '10.0.0.5'] : []);
    expect(await dockerHostDenials('unix:///var/run/docker.sock', lookup)).toEqual([]);
    const addresses = async (host: string) =>
      (await dockerHostDenials(host, lookup)).map((d) => d.address);
    expect(await addresses('tcp://dockerd.lan:2375')).toEqual(['10.0.0.5']);
    expect(await addresses('https://dockerd.lan:2376')).toEqual(['10.0.0.5']);
    expect(await addresses('tcp://[fd00::5]:2375')).toEqual(['fd00::5']);
    expect(await addresses('tcp://192.168.1.20')).toEqual(['192.168.1.20']);
  });

  it('never followed any of the above: the canary saw no request', () => {
    expect(canary.requests).toHaveLength(0);
  });

  it('allows private ranges unless deny_private is on', () => {
    for (const address of ['10.1.2.3', '172.16.0.1', '192.168.1.10', '100.64.0.1', 'fd00::1']) {
      expect(refusalReason(address, STRICT)).toBeNull();
      expect(refusalReason(address, { ...STRICT, denyPrivate: true })).toMatch(
        /private address and webhook\.deny_private is on/,
      );
    }
    expect(refusalReason('8.8.8.8', { denyPrivate: true, allowLoopback: false })).toBeNull();
    expect(refusalReason('2606:4700::1111', STRICT)).toBeNull();
    expect(urlRefusal('https://192.168.1.10/hook', { ...STRICT, denyPrivate: true })).toMatch(
      /private/,
    );
  });

  it('allow_loopback lets loopback through and nothing else', async () => {
    expect(refusalReason('127.0.0.1', LOOPBACK_OK)).toBeNull();
    expect(refusalReason('::1', LOOPBACK_OK)).toBeNull();
    for (const address of ['0.0.0.0', '169.254.169.254', 'fe80::1', '224.0.0.1', '::'])
      expect(refusalReason(address, LOOPBACK_OK)).not.toBeNull();
  });
});

describe('SafeHttp requests', () => {
  it('does not follow a redirect to loopback: the 3xx comes back and the canary is untouched', async () => {
    const redirector = await startReceiver(() => ({
      status: 302,
      headers: { location: `http://127.0.0.1:${canary.port}/stolen` },
    }));
    try {
      const res = await client(LOOPBACK_OK).post(`${redirector.url}/hook`, {}, '{}');
      expect(res.status).toBe(302);
      expect(redirector.requests).toHaveLength(1);
      expect(canary.requests).toHaveLength(0);
    } finally {
      await redirector.close();
    }
  });

  it('reads at most 64 KiB of an answer', async () => {
    const big = await startReceiver(() => ({ status: 500, body: 'x'.repeat(1024 * 1024) }));
    try {
      const res = await client(LOOPBACK_OK).post(big.url, {}, '{}');
      expect(res.status).toBe(500);
      expect(res.body.length).toBe(64 * 1024);
    } finally {
      await big.close();
    }
  });

  it('gives up on a receiver that never answers, as a timeout', async () => {
    const silent = await startReceiver(() => ({ hang: true }));
    try {
      const err = await client(LOOPBACK_OK, undefined, 300)
        .post(silent.url, {}, '{}')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OutgoingRequestError);
      expect((err as OutgoingRequestError).kind).toBe('timeout');
    } finally {
      await silent.close();
    }
  });

  it('reports a refused connection without the URL', async () => {
    const gone = await startReceiver();
    const url = `${gone.url}/secret-path-token`;
    await gone.close();
    const err = (await client(LOOPBACK_OK)
      .post(url, {}, '{}')
      .catch((e: unknown) => e)) as OutgoingRequestError;
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toContain('secret-path-token');
  });
});
