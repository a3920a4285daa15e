// The chart page of `candlestore serve`: `/` and the static files under `/page/` (plain ES modules, no build
// step), with TradingView lightweight-charts served from node_modules as `/page/vendor/lightweight-charts.mjs`
// so the page works offline. Files are read once, at start, into memory and served from an allow-list: no
// request path ever reaches the file system, so there is nothing to traverse.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/**
 * The page's sources live in src/api/page/ and ship as they are (the package ships src/). This module runs
 * from src/api (tsx), dist/api (built) or bench/dist/src/api (the bench's own build), so the folder is
 * found by walking up to the package root that holds it.
 */
export const PAGE_DIR = findPageDir(dirname(fileURLToPath(import.meta.url)));

function findPageDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'src', 'api', 'page');
    if (existsSync(join(candidate, 'index.html'))) return candidate + sep;
    if (dirname(dir) === dir) throw new Error(`the chart page's files (src/api/page/index.html) are not above ${from}`);
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface StaticFile {
  body: Buffer<ArrayBuffer>;
  type: string;
  etag: string;
}

function staticFile(path: string): StaticFile {
  const body = readFileSync(path) as Buffer<ArrayBuffer>;
  const type = TYPES[extname(path)];
  if (!type) throw new Error(`chart page: no content type for ${path}`);
  return { body, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"` };
}

/** URL path under /page/ → file, for every page file and the chart library. */
export function loadPageFiles(dir = PAGE_DIR): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    if (TYPES[extname(name)]) files.set(name, staticFile(join(dir, name)));
  }
  if (!files.has('index.html')) throw new Error(`chart page: ${join(dir, 'index.html')} is missing`);
  // The standalone build bundles its one dependency (fancy-canvas), so a single file is enough.
  const require = createRequire(import.meta.url);
  const lwcRoot = dirname(require.resolve('lightweight-charts/package.json'));
  files.set('vendor/lightweight-charts.mjs', staticFile(join(lwcRoot, 'dist', 'lightweight-charts.standalone.production.mjs')));
  return files;
}

function respond(file: StaticFile, ifNoneMatch: string | undefined): Response {
  // no-cache = revalidate every time: a restarted server after an upgrade never serves a stale page.
  const headers = { 'content-type': file.type, etag: file.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  if (ifNoneMatch === file.etag) return new Response(null, { status: 304, headers });
  return new Response(file.body, { status: 200, headers });
}

/** `GET /` (the page), `GET /page/<file>` and `/favicon.ico`; anything else under /page/ falls to the 404. */
export function registerPageRoutes(app: Hono<any>, files = loadPageFiles()): void {
  const index = files.get('index.html')!;
  app.get('/', (c) => respond(index, c.req.header('if-none-match')));
  const icon = files.get('favicon.svg');
  if (icon) app.get('/favicon.ico', (c) => respond(icon, c.req.header('if-none-match')));
  app.get('/page/*', async (c, next) => {
    const file = files.get(c.req.path.slice('/page/'.length));
    if (!file) return next();
    return respond(file, c.req.header('if-none-match'));
  });
}
