import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { actingAs } from '../../../test/support/test-principals.js';
import type { Authenticator } from '../access-guard.js';
import { buildServer } from '../server.js';
import { inventoryRoutes } from './inventory.js';
import { CONTENT_SECURITY_POLICY } from '../security-headers.js';
import { webUiRoutes } from './web-ui.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const INDEX = '<!doctype html><script type="module" src="/assets/app-1a2b.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

function builtUi(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-webui-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets/app-1a2b.js'), SCRIPT);
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

const nobody: Authenticator = { authenticate: async () => null };

async function server(dir: string, authenticator: Authenticator = actingAs()) {
  const inventory = inventoryRoutes({
    containers: { list: async () => [], find: async () => null },
    workloads: {
      list: async () => [],
      get: async () => {
        throw new Error('unused');
      },
      create: async () => {
        throw new Error('unused');
      },
      rename: async () => {
        throw new Error('unused');
      },
      delete: async () => undefined,
    },
  });
  return buildServer({
    authenticator,
    logger: pino({ level: 'silent' }),
    routes: [inventory, webUiRoutes({ dir })],
  });
}

describe('web UI routes', () => {
  it('serves index.html for the UI’s pages, with a CSP allowing only this server', async () => {
    const app = await server(builtUi());
    for (const path of ['/', '/events', '/rules/7', '/containers/abc?x=1']) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toBe(INDEX);
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('serves hashed assets as immutable, compressed when the client accepts it', async () => {
    const app = await server(builtUi());
    const plain = await app.inject('/assets/app-1a2b.js');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.body).toBe(SCRIPT);
    const zipped = await app.inject({
      url: '/assets/app-1a2b.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(SCRIPT);
    const again = await app.inject({
      url: '/assets/app-1a2b.js',
      headers: { 'if-none-match': plain.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);
    expect((await app.inject('/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  it('leaves unknown files and API paths to the JSON 404', async () => {
    const app = await server(builtUi());
    for (const path of ['/assets/missing.js', '/robots.txt', '/api/nope', '/api']) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    // Only what the build holds is served: no path reaches the file system.
    expect((await app.inject('/assets/../index.html')).statusCode).not.toBe(500);
    expect((await app.inject('/..%2f..%2fetc%2fpasswd')).body).not.toContain('root:');
  });

  it('is public, while the API stays closed to the unauthenticated', async () => {
    const app = await server(builtUi(), nobody);
    expect((await app.inject('/')).statusCode).toBe(200);
    expect((await app.inject('/assets/app-1a2b.js')).statusCode).toBe(200);
    expect((await app.inject('/api/containers')).statusCode).toBe(401);
  });

  it('says how to build the UI when it is not built, and still serves the API', async () => {
    const app = await server(join(tmpdir(), 'lw-webui-does-not-exist'));
    const res = await app.inject('/');
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    expect((await app.inject('/api/containers')).json()).toEqual({ items: [], next: null });
  });
});
