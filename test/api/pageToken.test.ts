// The chart page against `candlestore serve` with http.token set, in a real headless Chromium: the page and
// its files load without the header, the data does not; opened at `/#token=…` the page takes the token out
// of the address, sends it on every API request and draws candles; opened without one it asks for it in a
// form (refusing a wrong one) and then draws; the export links download through the header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli, spawnServe, type ServeChild } from '../helpers/cli.js';
import { readBin } from '../helpers/independent.js';
import { countColour, decodePng } from '../helpers/png.js';
import { CHROMIUM, DOWN, UP, chromiumSkip } from '../helpers/browser.js';
import { get } from './helpers.js';

const skip = chromiumSkip;
const NOW = '2026-07-21T12:34:30Z';
const TOKEN = 'page-token-test-0123456789';

let sim: SimServer;
let root: string;
let serve: ServeChild | undefined;
let base: string;
let startLine: string;
let browser: Browser;
const shots = mkdtempSync(join(tmpdir(), 'cs-page-token-'));

before(async () => {
  if (skip) return;
  const simNow = Date.parse(NOW);
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 5, now: () => simNow });
  root = makeRoot(sim.url, ['EUR/USD'], `http:\n  token: ${TOKEN}\n`);
  const r = await runCli(['run', '--root', root, '--from', '2026-07-17', '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
  serve = await spawnServe(['--root', root, '--listen', '127.0.0.1:0']);
  base = serve.base;
  startLine = serve.stderr();
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await sim?.close();
});

/** The last 15m bar of the store, by the independent reader. */
function last15m() {
  const dir = join(root, 'data/resample/15m');
  const outPos = Number(readFileSync(join(dir, 'index', 'EUR-USD.idx')).readBigUInt64LE(24));
  return readBin(join(dir, 'EUR-USD.bin')).records.slice(0, (outPos - 64) / 64).at(-1)!;
}

interface Opened { page: Page; api: Request[]; problems: string[]; close(): Promise<void> }

async function open(path: string): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
  const page = await context.newPage();
  const api: Request[] = [];
  const problems: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/v1/')) api.push(r);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.status() !== 401) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(base + path);
  return { page, api, problems, close: () => context.close() };
}

/** The chart shows the store's latest 15m bar, and its screenshot has rising and falling candle bodies. */
async function drawsCandles(page: Page, name: string): Promise<void> {
  await page.waitForFunction(`document.getElementById("chart").dataset.last === "${last15m().ts}"`);
  await page.waitForTimeout(200); // one more frame for the canvas
  const img = decodePng(await page.locator('#chart').screenshot({ path: join(shots, `${name}.png`) }));
  const up = countColour(img, UP);
  const down = countColour(img, DOWN);
  assert.ok(up > 300 && down > 300, `candle pixels: ${up} rising, ${down} falling`);
}

test('the start line shows the page address with a placeholder, never the token', { skip }, () => {
  assert.match(startLine, /chart page at http:\/\/127\.0\.0\.1:\d+\/#token=<http\.token>/);
  assert.ok(!startLine.includes(TOKEN), startLine);
});

test('with http.token: the page, its files and the docs load without the header; the data does not', { skip }, async () => {
  for (const path of ['/', '/page/main.js', '/page/auth.js', '/page/vendor/lightweight-charts.mjs', '/favicon.ico', '/docs', '/openapi.json', '/healthz']) {
    assert.equal((await get(base, path)).status, 200, path);
  }
  for (const path of ['/v1/symbols', '/v1/candles/EUR-USD/15m', '/ohlcv/1.1/list/symbols/output/JSON']) {
    assert.equal((await get(base, path)).status, 401, path);
    assert.equal((await get(base, path, { authorization: `Bearer ${TOKEN}` })).status, 200, path);
  }
});

test('opened at #token=…: the token leaves the address, every API request carries it, candles are drawn, links download with it', { skip }, async () => {
  const { page, api, problems, close } = await open(`/?symbol=EUR-USD&tf=15m#token=${TOKEN}`);
  await drawsCandles(page, 'with-fragment');
  const url = new URL(page.url());
  assert.equal(url.hash, '');
  assert.ok(!page.url().includes(TOKEN), page.url());
  assert.equal(url.searchParams.get('symbol'), 'EUR-USD');
  assert.equal(url.searchParams.get('tf'), '15m');
  assert.ok(api.length >= 3, `API requests: ${api.length}`);
  for (const r of api) assert.equal(await r.headerValue('authorization'), `Bearer ${TOKEN}`, r.url());
  assert.equal(await page.isVisible('#token-form'), false);
  assert.deepEqual(problems, []);

  // Export: the panel says the URLs need the header; the CSV link downloads the same bytes as the API gives.
  await page.click('#export-panel summary');
  await page.waitForFunction('document.querySelector("[data-export=csv]").getAttribute("href") !== "#"');
  assert.equal(await page.isVisible('[data-export="auth-note"]'), true);
  const href = await page.getAttribute('[data-export="csv"]', 'href');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="csv"]')]);
  const want = await get(base, new URL(href!).pathname + new URL(href!).search, { authorization: `Bearer ${TOKEN}` });
  assert.equal(want.status, 200);
  assert.equal(download.suggestedFilename(), new URL(href!).searchParams.get('filename'));
  assert.equal(readFileSync((await download.path())!, 'utf8'), want.text);
  assert.ok(want.text.split('\n').length > 10);

  // A reload in the same tab keeps the token (sessionStorage) without asking.
  await page.reload();
  await drawsCandles(page, 'after-reload');
  assert.equal(await page.isVisible('#token-form'), false);
  assert.deepEqual(problems, []);
  await close();
});

test('opened without a token: a form asks for it, a wrong one is refused, the right one draws the candles', { skip }, async () => {
  const { page, api, problems, close } = await open('/?symbol=EUR-USD&tf=15m');
  await page.waitForSelector('#token-form', { state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'token-input', 'the form has the focus');
  assert.match(await page.textContent('#token-note') ?? '', /needs its access token/);
  assert.equal(await page.$eval('#chart', (e) => (e as HTMLElement).dataset.bars ?? ''), '');
  await page.getByRole('textbox', { name: 'Token' }).fill('wrong-token-0123456789xx');
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.waitForFunction('/refused/.test(document.getElementById("token-note").textContent)');
  assert.equal(await page.isVisible('#token-form'), true);
  await page.getByRole('textbox', { name: 'Token' }).fill(TOKEN);
  await page.getByRole('button', { name: 'Use token' }).click();
  await drawsCandles(page, 'after-prompt');
  assert.equal(await page.isVisible('#token-form'), false);
  const sent = await Promise.all(api.map((r) => r.headerValue('authorization')));
  assert.equal(sent[0], null, 'the first request went without a token');
  assert.ok(sent.includes('Bearer wrong-token-0123456789xx'));
  assert.equal(sent.at(-1), `Bearer ${TOKEN}`);
  assert.deepEqual(problems, []);
  await close();
});
