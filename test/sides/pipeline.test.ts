// BID and ASK through the pipeline (issue 14 part 2), against sim: the ASK stores equal an independent
// decoding of the ASK days, the BID stores are the bytes a BID-only root has, adding ASK to an existing root
// leaves the BID store untouched and builds the ASK store fresh, and `sides` errors are exit 2 naming the key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { generateDayText } from '../../src/sim/generator.js';
import { makeRoot, runCli, snapshot } from '../helpers/cli.js';
import { independentDecode, readBin } from '../helpers/independent.js';
import { oracleSeries } from '../build/helpers.js';

const SYMBOLS = ['EUR/USD', 'BTC/USD'];
const NOW = '2026-03-11T12:00:00Z';
const FROM = '2026-03-06';
const BOTH = 'sides: [BID, ASK]\n';
let sim: SimServer;
let both: string;

const run = (root: string, extra: string[] = []) => runCli(['run', '--root', root, '--from', FROM, '--now', NOW, '-q', ...extra]);

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 7, now: Date.parse(NOW), oneSidedRate: 0.02 });
  both = makeRoot(sim.url, SYMBOLS, BOTH);
  const r = await run(both);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await sim.close();
});

/** Every raw day of one series (closed days from the cache, the live day from data/temp), decoded independently. */
function decodedDays(root: string, code: string, side: 'BID' | 'ASK') {
  const suffix = side === 'ASK' ? '.ASK.json' : '.json';
  const files: string[] = [];
  const month = join(root, 'cache/2026/03');
  for (const name of readdirSync(month).sort()) if (name.startsWith(`${code}_`) && name.endsWith(suffix) && (side === 'ASK' || !name.endsWith('.ASK.json'))) files.push(join(month, name));
  for (const name of readdirSync(join(root, 'data/temp')).sort()) if (name.startsWith(`${code}_`) && name.endsWith(suffix) && (side === 'ASK' || !name.endsWith('.ASK.json'))) files.push(join(root, 'data/temp', name));
  return files.flatMap((f) => independentDecode(readFileSync(f, 'utf8')));
}

test('each ASK 1m store equals an independent decoding of its cached and live ASK days; its header and definition name the side', () => {
  for (const symbol of SYMBOLS) {
    const code = symbol.replace('/', '-');
    const expected = decodedDays(both, code, 'ASK');
    assert.ok(expected.length > 3000, `${symbol}: ${expected.length} ASK candles`);
    const ask = oracleSeries(both, `${code}.ASK`, '1m');
    assert.equal(ask.symbol, `${symbol}:ASK`);
    assert.deepEqual(ask.records.map((r) => [r.ts, r.o, r.h, r.l, r.c, r.v]), expected.map((c) => [c.ts, c.o, c.h, c.l, c.c, c.v]));
    const def = JSON.parse(readFileSync(join(both, 'data/aggregate/1m/index', `${code}.ASK.def.json`), 'utf8'));
    assert.equal(def.definition.side, 'ASK');
    const bidDef = JSON.parse(readFileSync(join(both, 'data/aggregate/1m/index', `${code}.def.json`), 'utf8'));
    assert.equal(bidDef.definition.side, undefined, 'the BID definition is the one a root without sides writes');
    assert.notEqual(def.fingerprint, bidDef.fingerprint, 'the side is part of the fingerprint: a BID index never pairs with an ASK store');
    assert.equal(readBin(join(both, 'data/aggregate/1m', `${code}.ASK.bin`)).definition, def.fingerprint);
    // The ASK side is never below the BID side at the same minute, and the sim left some minutes one-sided.
    const bid = new Map(oracleSeries(both, code, '1m').records.map((r) => [r.ts, r]));
    let paired = 0;
    for (const r of ask.records) {
      const b = bid.get(r.ts);
      if (!b) continue;
      paired++;
      assert.ok(r.c >= b.c && r.o >= b.o && r.h >= b.h && r.l >= b.l, `${symbol} ${new Date(r.ts).toISOString()}: ask below bid`);
    }
    assert.ok(paired < ask.records.length && paired < bid.size, `${symbol}: one-sided minutes on both sides (rate 0.02)`);
    // Every resampled timeframe of the ASK side exists beside the BID one.
    for (const tf of ['5m', '1h', '1d']) assert.ok(existsSync(join(both, 'data/resample', tf, `${code}.ASK.bin`)), `${code}.ASK ${tf}`);
  }
});

test('BID stores and cache are byte for byte those of a BID-only root; adding ASK later leaves them untouched and builds the same ASK stores', async () => {
  const bidOnly = makeRoot(sim.url, SYMBOLS);
  assert.equal((await run(bidOnly)).code, 0);
  const notAsk = (rel: string) => !rel.includes('.ASK.') && !rel.startsWith('data/locks') && rel !== 'config.yaml' && !rel.endsWith('MANIFEST');
  const a = snapshot(both, notAsk);
  const b = snapshot(bidOnly, notAsk);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [rel, bytes] of b) assert.ok(bytes.equals(a.get(rel)!), `${rel} differs from the BID-only root`);

  // Incremental: the same root gets ASK; its BID files keep every byte (generation included).
  const raw = (rel: string) => !rel.startsWith('data/locks') && rel !== 'config.yaml' && !rel.endsWith('MANIFEST') && !rel.includes('.ASK.');
  const before = new Map([...snapshotRaw(bidOnly)].filter(([rel]) => raw(rel) && rel.startsWith('data/aggregate')));
  appendFileSync(join(bidOnly, 'config.yaml'), BOTH);
  const r = await run(bidOnly);
  assert.equal(r.code, 0, r.stderr);
  for (const [rel, bytes] of before) assert.ok(bytes.equals(readFileSync(join(bidOnly, rel))), `${rel} changed when ASK was added`);
  const isAsk = (rel: string) => rel.includes('.ASK.') && rel.startsWith('data/');
  const grown = snapshot(bidOnly, isAsk);
  const reference = snapshot(both, isAsk);
  assert.deepEqual([...grown.keys()].sort(), [...reference.keys()].sort());
  for (const [rel, bytes] of reference) assert.ok(bytes.equals(grown.get(rel)!), `${rel}: the ASK store added later differs from one built with the root`);
});

/** Files under `dir` with their bytes unmasked (generation ids included). */
function snapshotRaw(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const rel of snapshot(dir).keys()) out.set(rel, readFileSync(join(dir, rel)));
  return out;
}

test('sim: ASK has the BID minutes (one-sided rate 0), a spread ≥ 0 that is wider at the daily roll, and the BID answer does not depend on the side option', () => {
  const day = Date.UTC(2026, 2, 10);
  const bidText = generateDayText('EUR/USD', day, 7);
  assert.equal(generateDayText('EUR/USD', day, 7, { side: 'BID', oneSidedRate: 0 }), bidText);
  const bid = independentDecode(bidText);
  const ask = independentDecode(generateDayText('EUR/USD', day, 7, { side: 'ASK' }));
  assert.deepEqual(ask.map((c) => c.ts), bid.map((c) => c.ts));
  const spreads = ask.map((c, i) => Math.round((c.c - bid[i].c) * 1e5));
  assert.ok(spreads.every((s) => s >= 0));
  const minuteOf = (ts: number) => (ts - day) / 60_000;
  const mean = (pick: (m: number) => boolean) => {
    const xs = spreads.filter((_, i) => pick(minuteOf(bid[i].ts)));
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  assert.ok(mean((m) => m >= 21 * 60 + 50 && m < 22 * 60 + 15) > 2 * mean((m) => m >= 12 * 60 && m < 16 * 60), 'wider at the roll than in the London/New York overlap');
  const btc = independentDecode(generateDayText('BTC/USD', day, 7, { side: 'ASK' }));
  const btcBid = independentDecode(generateDayText('BTC/USD', day, 7));
  const rel = (xs: typeof btc, ys: typeof btc) => xs.reduce((a, c, i) => a + (c.c - ys[i].c) / c.c, 0) / xs.length;
  assert.ok(rel(btc, btcBid) > rel(ask, bid), 'crypto quotes a wider relative spread than EUR/USD');
});

test('sides config errors are exit 2 naming the key; a symbol named like a side is refused', async () => {
  const cases: [string, RegExp][] = [
    ['sides: [BID, ASKK]\n', /sides\.1: expected BID or ASK, got "ASKK"/],
    ['sides: [ASK]\n', /sides: BID is always kept/],
    ['sides:\n  "EUR/*": [BID, bid]\n', /sides\.EUR\/\*\.1: expected BID or ASK/],
    ['sides: BID\n', /sides: expected a list such as \[BID, ASK\]/],
  ];
  for (const [yaml, re] of cases) {
    const root = makeRoot(sim.url, ['EUR/USD'], yaml);
    const r = await run(root);
    assert.equal(r.code, 2, `${yaml}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  const root = makeRoot(sim.url, ['EUR/USD.ASK']);
  const r = await run(root);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /EUR\/USD\.ASK.*names a side/);
});

test('sides per pattern: the most specific pattern wins, BID first; a symbol too long for its ASK header is refused naming sides', async () => {
  const { resolveSides, seriesOf } = await import('../../src/config/symbolSettings.js');
  const setting = { '*': ['BID' as const], 'EUR/*': ['BID' as const, 'ASK' as const], 'EUR/GBP': ['BID' as const] };
  assert.deepEqual(resolveSides(setting, 'EUR/USD'), ['BID', 'ASK']);
  assert.deepEqual(resolveSides(setting, 'EUR/GBP'), ['BID']);
  assert.deepEqual(resolveSides(setting, 'XAU/USD'), ['BID']);
  assert.deepEqual(seriesOf(['ASK', 'BID'], ['EUR/USD', 'BTC/USD']), ['EUR/USD', 'EUR/USD:ASK', 'BTC/USD', 'BTC/USD:ASK']);
  assert.throws(() => seriesOf(['BID', 'ASK'], ['ABCDEFGHIJ.IDX/ABCDEFG']), /sides: ABCDEFGHIJ\.IDX\/ABCDEFG has 22 characters; .*at most 19 characters/);
});
