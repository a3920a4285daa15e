// The chart page's side picker (BID / ASK / mid) and spread pane in real Chromium against `candlestore serve`
// over a sim root where EUR/USD keeps both sides and BTC/USD only BID: switching the side changes the API
// requests (side=, spread) and what is drawn (the last close equals the ASK store's, then the mid of both
// stores computed here; the spread pane's line appears in pixels), the URL keeps the side and Back returns
// to the previous one, and a BID-only symbol shows no picker and asks no side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli, spawnServe, type ServeChild } from '../helpers/cli.js';
import { readBin, type BinRecord } from '../helpers/independent.js';
import { countColour, decodePng } from '../helpers/png.js';
import { CHROMIUM, chromiumSkip } from '../helpers/browser.js';

const skip = chromiumSkip;
const NOW = '2026-07-21T12:34:30Z';
/** The spread line's colour (src/api/page/chart.js SPREAD). */
const SPREAD = '#8e24aa';

let sim: SimServer;
let root: string;
let serve: ServeChild | undefined;
let browser: Browser;

before(async () => {
  if (skip) return;
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 7, now: Date.parse(NOW) });
  root = makeRoot(sim.url, ['EUR/USD', 'BTC/USD'], 'sides: {"*": [BID], "EUR/*": [BID, ASK]}\n');
  const r = await runCli(['run', '--root', root, '--from', '2026-07-19', '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
  serve = await spawnServe(['--root', root, '--listen', '127.0.0.1:0']);
  browser = await chromium.launch({ executablePath: CHROMIUM });
});
after(async () => {
  await browser?.close();
  await serve?.stop();
  await sim?.close();
});

/** The committed bars of a store, by the independent reader (records up to the index's out_pos). */
function store(key: string, tf: string): BinRecord[] {
  const dir = tf === '1m' ? join(root, 'data/aggregate/1m') : join(root, 'data/resample', tf);
  const outPos = Number(readFileSync(join(dir, 'index', `${key}.idx`)).readBigUInt64LE(24));
  return readBin(join(dir, `${key}.bin`)).records.slice(0, (outPos - 64) / 64);
}

async function open(path: string): Promise<{ page: Page; problems: string[]; requests: URL[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: URL[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/v1/candles/')) requests.push(u);
  });
  await page.goto(serve!.base + path);
  await page.waitForSelector('html[data-ready]');
  return { page, problems, requests, close: () => context.close() };
}

/** Wait until the chart holds `bars` bars ending with a close of `close`. */
async function drawn(page: Page, bars: number, last: number, close: number): Promise<void> {
  await page.waitForFunction(([b, l, c]) => {
    const d = document.getElementById('chart')!.dataset;
    return d.bars === String(b) && d.last === String(l) && d.lastClose === String(c);
  }, [bars, last, close] as const, { timeout: 15_000 });
}

const shot = async (page: Page) => decodePng(await page.locator('#chart').screenshot());

test('EUR/USD with both sides: ASK, mid and the spread pane change the requests and what is drawn; the URL keeps the side', { skip }, async () => {
  const bid = store('EUR-USD', '1h');
  const ask = store('EUR-USD.ASK', '1h');
  assert.deepEqual(ask.map((r) => r.ts), bid.map((r) => r.ts), 'the sim quotes both sides every minute here');
  const d = readBin(join(root, 'data/resample/1h/EUR-USD.bin')).decimals;
  const n = bid.length;
  const { page, problems, requests, close } = await open('/?symbol=EUR-USD&tf=1h');
  await drawn(page, n, bid.at(-1)!.ts, bid.at(-1)!.c);
  assert.equal(await page.isVisible('#side'), true);
  assert.equal(await page.inputValue('#side'), 'bid');
  assert.ok(requests.length > 0 && requests.every((u) => !u.searchParams.has('side') && !u.searchParams.has('spread')));
  assert.notEqual(ask.at(-1)!.c, bid.at(-1)!.c);

  requests.length = 0;
  await page.selectOption('#side', 'ask');
  await drawn(page, n, ask.at(-1)!.ts, ask.at(-1)!.c);
  assert.ok(requests.length > 0 && requests.every((u) => u.searchParams.get('side') === 'ask'));
  assert.equal(new URL(page.url()).searchParams.get('side'), 'ask');
  assert.match(await page.textContent('#status') ?? '', /EUR\/USD 1h ASK: /);

  // mid: (bid + ask) / 2 with one decimal more, computed here from both stores' decimal texts.
  const units = (v: number) => BigInt(v.toFixed(d).replace('.', ''));
  const midClose = Number(`${(units(bid.at(-1)!.c) + units(ask.at(-1)!.c)) * 5n}e-${d + 1}`);
  requests.length = 0;
  await page.selectOption('#side', 'mid');
  await drawn(page, n, bid.at(-1)!.ts, midClose);
  assert.ok(requests.every((u) => u.searchParams.get('side') === 'mid'));
  assert.match(await page.textContent('#legend') ?? '', new RegExp(` C ${midClose.toFixed(d + 1).replace('.', '\\.')} `));
  const noSpread = await shot(page);
  assert.equal(countColour(noSpread, SPREAD, 30), 0);

  // The spread pane: requests ask for the column, a purple line is drawn, the legend shows the last spread.
  requests.length = 0;
  await page.check('#spread');
  await page.waitForFunction(() => /spread=1/.test(location.search));
  await drawn(page, n, bid.at(-1)!.ts, midClose);
  await page.waitForTimeout(300);
  assert.ok(requests.length > 0 && requests.every((u) => u.searchParams.get('side') === 'mid' && u.searchParams.get('spread') === 'true'));
  const withSpread = await shot(page);
  assert.ok(countColour(withSpread, SPREAD, 30) > 200, `spread line pixels: ${countColour(withSpread, SPREAD, 30)}`);
  const spread = Number(`${units(ask.at(-1)!.c) - units(bid.at(-1)!.c)}e-${d}`);
  assert.match(await page.textContent('#legend') ?? '', new RegExp(`spread ${spread.toFixed(d).replace('.', '\\.')}`));
  // The export panel carries the side and the spread.
  await page.click('#export-panel summary');
  assert.match(await page.textContent('[data-export="build-text"]') ?? '', /--side mid --spread --csv/);

  // Back: mid without the spread, then ASK.
  await page.goBack();
  await page.waitForFunction(() => !document.getElementById('spread')!.matches(':checked'));
  await page.goBack();
  await page.waitForFunction(() => (document.getElementById('side') as HTMLSelectElement).value === 'ask');
  await drawn(page, n, ask.at(-1)!.ts, ask.at(-1)!.c);
  assert.deepEqual(problems, []);
  await close();

  // The URL alone reopens the side and the pane.
  const again = await open('/?symbol=EUR-USD&tf=1h&side=mid&spread=1');
  await drawn(again.page, n, bid.at(-1)!.ts, midClose);
  assert.equal(await again.page.inputValue('#side'), 'mid');
  assert.equal(await again.page.isChecked('#spread'), true);
  assert.ok(again.requests.every((u) => u.searchParams.get('side') === 'mid' && u.searchParams.get('spread') === 'true'));
  assert.deepEqual(again.problems, []);
  await again.close();
});

test('a BID-only symbol shows no side picker and asks no side, even when the URL names one', { skip }, async () => {
  const bars = store('BTC-USD', '1h');
  const { page, problems, requests, close } = await open('/?symbol=BTC-USD&tf=1h&side=mid&spread=1');
  await drawn(page, bars.length, bars.at(-1)!.ts, bars.at(-1)!.c);
  assert.equal(await page.isVisible('#side-controls'), false);
  assert.ok(requests.length > 0 && requests.every((u) => !u.searchParams.has('side') && !u.searchParams.has('spread')), requests.map(String).join('\n'));
  await page.waitForFunction(() => !/side=|spread=/.test(location.search));
  // From EUR/USD on ASK to BTC/USD: the picker goes away and the requests go back to BID.
  await page.selectOption('#symbol', 'EUR-USD');
  await page.waitForSelector('#side-controls:not([hidden])');
  await page.selectOption('#side', 'ask');
  const eurAsk = store('EUR-USD.ASK', '1h');
  await drawn(page, eurAsk.length, eurAsk.at(-1)!.ts, eurAsk.at(-1)!.c);
  requests.length = 0;
  await page.selectOption('#symbol', 'BTC-USD');
  await drawn(page, bars.length, bars.at(-1)!.ts, bars.at(-1)!.c);
  assert.equal(await page.isVisible('#side-controls'), false);
  // (A poll of EUR/USD's ASK bars may have left just before the switch: only BTC/USD's requests count.)
  const btc = requests.filter((u) => u.pathname.startsWith('/v1/candles/BTC-USD/'));
  assert.ok(btc.length > 0 && btc.every((u) => !u.searchParams.has('side')), requests.map(String).join('\n'));
  assert.deepEqual(problems, []);
  await close();
});
