// The token rule of src/api/access.ts on the real app (createApp over a root's stores, no socket): with
// http.token set, only the data-free routes (health, the chart page and its files, the API description)
// answer without `Authorization: Bearer …`; every data route, by either query form and by path tricks that
// normalise onto one, is a 401 without it and answers with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/api/app.js';
import { isPublicRoute } from '../../src/api/access.js';
import { StoreCandleSource } from '../../src/api/source.js';
import { Layout } from '../../src/paths.js';

const TOKEN = 'unit-test-token-0123456789';
const root = mkdtempSync(join(tmpdir(), 'cs-access-'));
const app = createApp({ source: new StoreCandleSource(new Layout(root)), token: TOKEN, errorLog: () => {} });
const req = (path: string, init: RequestInit = {}) => app.request(`http://127.0.0.1${path}`, init);
const bearer = { authorization: `Bearer ${TOKEN}` };

const PUBLIC = ['/healthz', '/', '/favicon.ico', '/page/main.js', '/page/auth.js', '/page/style.css', '/page/vendor/lightweight-charts.mjs', '/docs', '/openapi.json'];
const DATA = [
  '/v1/symbols', '/v1/indicators', '/v1/candles/EUR-USD/1h', '/v1/candles/EUR-USD/1h?format=csv',
  '/ohlcv/1.1/list/symbols/output/JSON', '/ohlcv/1.1/list/indicators/output/JSON',
  '/ohlcv/1.1/select/EUR-USD,1h/output/CSV', '/ohlcv/1.1/select/EUR-USD,1h/output/CSV/MT4',
];

test('the page, its files, health and the API description answer without the token', async () => {
  for (const path of PUBLIC) {
    const r = await req(path);
    assert.equal(r.status, 200, path);
    await r.arrayBuffer();
  }
  assert.equal((await req('/', { method: 'HEAD' })).status, 200);
});

test('every data route is 401 without the token or with a wrong one, and answers with it', async () => {
  for (const path of DATA) {
    const none = await req(path);
    assert.equal(none.status, 401, path);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.match(await none.text(), /bearer token/);
    assert.equal((await req(path, { headers: { authorization: 'Bearer wrong-token-0123456789xx' } })).status, 401, `${path} wrong token`);
    assert.equal((await req(path, { method: 'HEAD' })).status, 401, `${path} HEAD`);
    const ok = await req(path, { headers: bearer });
    assert.notEqual(ok.status, 401, `${path} with the token: ${ok.status}`);
    await ok.arrayBuffer();
  }
});

test('names close to a public route are not public; only GET and HEAD are', async () => {
  // Prefix look-alikes and a dot segment that resolves onto a data route stay behind the token.
  for (const path of ['/page', '/pages/x', '/pagex/main.js', '/page/../v1/symbols', '/docs/x', '/openapi.json/x', '/v1/', '/x']) {
    assert.equal((await req(path)).status, 401, path);
  }
  assert.equal((await req('/', { method: 'POST' })).status, 401);
  assert.equal(isPublicRoute('GET', '/page/main.js'), true);
  assert.equal(isPublicRoute('DELETE', '/page/main.js'), false);
  assert.equal(isPublicRoute('GET', '/v1/symbols'), false);
});

test('without a token configured nothing asks for one', async () => {
  const open = createApp({ source: new StoreCandleSource(new Layout(root)), errorLog: () => {} });
  assert.equal((await open.request('http://127.0.0.1/v1/symbols')).status, 200);
});
