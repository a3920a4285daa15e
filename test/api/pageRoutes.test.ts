// The chart page's static routes (src/api/pageRoutes.ts) without a browser: what is served, with which
// type, from an allow-list only; every module the page imports is one the server serves (there is no
// build step to catch a missing file); lightweight-charts comes byte for byte from node_modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { PAGE_DIR, registerPageRoutes } from '../../src/api/pageRoutes.js';

const app = new Hono();
registerPageRoutes(app);
const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });

test('/ is the page; its files, the icon and the chart library are served with their types', async () => {
  const index = await get('/');
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(await index.text(), readFileSync(join(PAGE_DIR, 'index.html'), 'utf8'));
  for (const [path, type] of [['/page/main.js', 'text/javascript'], ['/page/style.css', 'text/css'], ['/page/favicon.svg', 'image/svg+xml'], ['/favicon.ico', 'image/svg+xml']]) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    assert.ok(r.headers.get('content-type')!.startsWith(type), `${path}: ${r.headers.get('content-type')}`);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  }
  const lib = await get('/page/vendor/lightweight-charts.mjs');
  const lwc = dirname(createRequire(import.meta.url).resolve('lightweight-charts/package.json'));
  assert.deepEqual(Buffer.from(await lib.arrayBuffer()), readFileSync(join(lwc, 'dist/lightweight-charts.standalone.production.mjs')));
});

test('a file the page does not have is a 404, whatever the path says; an unchanged file is a 304', async () => {
  const app404 = new Hono();
  app404.notFound((c) => c.text('nope', 404));
  registerPageRoutes(app404);
  for (const path of ['/page/nope.js', '/page/', '/page/vendor/', '/page/..%2Fpackage.json', '/page/vendor/../../package.json', '/page/main.ts', '/page/%2e%2e/pageRoutes.ts']) {
    const r = await app404.request(path);
    assert.equal(r.status, 404, path);
  }
  const first = await get('/page/main.js');
  const etag = first.headers.get('etag')!;
  assert.match(etag, /^"[\w-]{16}"$/);
  const again = await get('/page/main.js', { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
});

test('every module the page imports and every file index.html names is served', async () => {
  const served = async (path: string) => (await get(path)).status === 200;
  const html = readFileSync(join(PAGE_DIR, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="(page\/[^"]+)"/g)].map((m) => `/${m[1]}`);
  const importMap = JSON.parse(/<script type="importmap">(.*?)<\/script>/s.exec(html)![1]) as { imports: Record<string, string> };
  refs.push(...Object.values(importMap.imports).map((p) => p.replace(/^\.\//, '/')));
  for (const file of readdirSync(PAGE_DIR).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(PAGE_DIR, file), 'utf8');
    for (const m of text.matchAll(/^import [^;]*? from '([^']+)';/gm)) {
      refs.push(m[1] in importMap.imports ? importMap.imports[m[1]].replace(/^\.\//, '/') : `/page/${m[1].replace(/^\.\//, '')}`);
    }
  }
  assert.ok(refs.length > 15, `${refs.length} references found`);
  for (const ref of new Set(refs)) assert.ok(await served(ref), `${ref} is referenced but not served`);
});
