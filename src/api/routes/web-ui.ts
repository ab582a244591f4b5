import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { loadWebAssets, type WebAsset } from '../web-assets.js';
import { WebUiApi } from '../wire/web-ui.js';

export interface WebUiOptions {
  /** The built UI (index.html, assets/). */
  dir: string;
  log?: Pick<Logger, 'warn'>;
}

/** A path the UI's router owns: not the API's, and not a file name. */
function isAppPath(path: string): boolean {
  if (path === '/api' || path.startsWith('/api/')) return false;
  const last = path.slice(path.lastIndexOf('/') + 1);
  return !last.includes('.');
}

function send(request: FastifyRequest, reply: FastifyReply, asset: WebAsset) {
  reply.header('content-type', asset.type);
  reply.header('etag', asset.etag);
  reply.header('vary', 'accept-encoding');
  reply.header(
    'cache-control',
    asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (asset.gzip && acceptsGzip) {
    reply.header('content-encoding', 'gzip');
    return reply.send(asset.gzip);
  }
  return reply.send(asset.body);
}

/**
 * Serves the built web UI: its files as they are, and index.html for every other page
 * path (the UI routes in the browser). Public: the UI itself asks the API who is signed
 * in. API paths that no route claims still answer the API's JSON 404.
 */
export function webUiRoutes(options: WebUiOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    const assets = await loadWebAssets(options.dir);
    const index = assets.get('/index.html');
    if (!index)
      options.log?.warn(
        { dir: options.dir },
        'the web UI is not built (run `npm run build`): only the API is served',
      );

    app.get('/*', { config: { public: true }, schema: WebUiApi.files }, async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      const asset = assets.get(path);
      if (asset) return send(request, reply, asset);
      if (!isAppPath(path)) return reply.callNotFound();
      if (!index)
        return reply
          .status(503)
          .type('text/plain; charset=utf-8')
          .send('The Logwarden web UI is not built: run `npm run build`. The API is at /api/.\n');
      return send(request, reply, index);
    });
  };
}
