import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` puts the UI: dist/web, seen from src/api or dist/api alike. */
export const BUILT_UI_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Worth compressing once at load; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

export interface WebAsset {
  body: Buffer;
  /** Present when smaller than the body. */
  gzip: Buffer | null;
  type: string;
  etag: string;
  /** Vite puts content hashes in these names: they never change. */
  immutable: boolean;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/**
 * Reads the built UI into memory, keyed by URL path. The build is a handful of files,
 * and serving only what was read here means no request ever touches the file system
 * (no path traversal to guard against). A missing directory gives an empty map.
 */
export async function loadWebAssets(dir: string): Promise<Map<string, WebAsset>> {
  const assets = new Map<string, WebAsset>();
  let files: string[];
  try {
    files = await walk(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return assets;
    throw err;
  }
  for (const file of files) {
    const ext = extname(file).toLowerCase();
    const type = TYPES[ext];
    if (!type) continue;
    const body = await readFile(file);
    const urlPath = `/${relative(dir, file).split(sep).join('/')}`;
    const gzip = COMPRESSIBLE.has(ext) ? gzipSync(body, { level: 9 }) : null;
    assets.set(urlPath, {
      body,
      gzip: gzip && gzip.length < body.length ? gzip : null,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      immutable: urlPath.startsWith('/assets/'),
    });
  }
  return assets;
}
