// Instrument documents (issue 14 part 1), the CLI against `sim`: the sim's catalogue is real-shaped and its data
// follows each document; a misspelled symbol is refused before any download; the `instruments` command
// prints the catalogue. (Pipeline use: test/cli/instrumentsRun.test.ts; the cache: instrumentCache.test.ts.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SIM_INSTRUMENTS } from '../../src/sim/instruments.js';
import { KNOWN_INSTRUMENTS } from '../../src/dukascopy/catalogue.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { useRecordingSim, INSTRUMENT_FIXTURES, getText } from '../helpers/recordingSim.js';
import { independentDecode } from '../helpers/independent.js';
import { tradesAt, type DocLike } from '../helpers/tradingTime.js';

const NOW = '2026-07-15T12:00:00Z';
const DAY = 86_400_000;
const FIXTURES = INSTRUMENT_FIXTURES;
const recording = useRecordingSim(NOW);
const requests = recording.requests;

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

test('the sim serves a catalogue of ≥ 50 real-shaped documents, the built-in list exactly, and its candles keep to each document', async () => {
  assert.ok(SIM_INSTRUMENTS.length >= 50, `${SIM_INSTRUMENTS.length} instruments`);
  assert.deepEqual([...KNOWN_INSTRUMENTS].sort(), SIM_INSTRUMENTS.map((i) => i.name).sort());
  const real = JSON.parse(readFileSync(join(FIXTURES, 'instrument-EUR-USD.json'), 'utf8')) as Record<string, unknown>;
  const groups = new Set<string>();
  for (const name of KNOWN_INSTRUMENTS) {
    const code = name.replace('/', '-');
    const r = await getText(recording.sim.url, `/v1/instruments/${code}`);
    assert.equal(r.status, 200, name);
    const doc = JSON.parse(r.text) as Record<string, unknown> & DocLike & { priceScale: number; groupCode: string };
    assert.deepEqual(Object.keys(doc), Object.keys(real), `${name}: the real keys in the real order`);
    for (const key of ['name', 'code', 'pipValue', 'priceScale', 'description', 'groupCode', 'defaultTimezone', 'holidays', 'tradeSchedule', 'histories', 'sectorIds']) {
      assert.equal(typeOf(doc[key]), typeOf(real[key]), `${name}.${key}`);
    }
    groups.add(doc.groupCode);
    // The data of a few days follows the document: every candle in its trading time, and trading time
    // mostly filled (a holiday or a weekend has no candle).
    if (!['EUR/CHF', 'GAS.CMD/USD', 'COCOA.CMD/USD', 'HKG.IDX/HKD', 'SOL/USD', 'EUR/USD'].includes(name)) continue;
    for (const day of [Date.UTC(2025, 11, 25), Date.UTC(2025, 11, 31), Date.UTC(2026, 0, 1), Date.UTC(2026, 2, 8), Date.UTC(2026, 6, 10), Date.UTC(2026, 6, 12)]) {
      const d = new Date(day);
      const body = (await getText(recording.sim.url, `/v1/candles/minute/${code}/BID/${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()}`)).text;
      const candles = independentDecode(body);
      for (const c of candles) assert.ok(tradesAt(doc, c.ts), `${name}: candle at ${new Date(c.ts).toISOString()} outside its document's trading time`);
      let open = 0;
      for (let t = day; t < day + DAY; t += 60_000) if (tradesAt(doc, t)) open++;
      assert.ok(candles.length >= open * 0.95 && candles.length <= open, `${name} ${d.toISOString().slice(0, 10)}: ${candles.length} candles for ${open} trading minutes`);
    }
  }
  for (const g of ['FX_MAJORS', 'FX_CROSSES', 'FX_METALS', 'CMD_ENERGY', 'CMD_AGRICULTURAL', 'IDX_AMERICA', 'IDX_EUROPE', 'IDX_ASIA', 'VCCY']) assert.ok(groups.has(g), g);
  // A new FX cross is written like the real EUR/USD document, Christmas closed.
  const chf = JSON.parse((await getText(recording.sim.url, '/v1/instruments/EUR-CHF')).text) as DocLike & { tradeSchedule: unknown[] };
  assert.equal(chf.defaultTimezone, 'America/New_York');
  assert.deepEqual(chf.tradeSchedule, real.tradeSchedule);
  assert.ok(chf.holidays.some((h) => h.from === Date.UTC(2025, 11, 24, 22) && h.till === Date.UTC(2025, 11, 25, 22)), 'Christmas 2025: 17:00 New York to 17:00');
});

test('a misspelled symbol is refused (exit 2) with the nearest real names before any download', async () => {
  for (const [symbol, hint] of [['EUR/USX', 'EUR/USD'], ['EURUSD', 'EUR/USD'], ['BTC/USDT', 'BTC/USD']]) {
    const root = makeRoot(recording.sim.url, ['GBP/USD', symbol]);
    const seen = requests.length;
    const r = await runCli(['run', '--root', root, '--from', '2026-07-13', '--now', NOW, '-q']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${symbol.replace('/', '\\/')}.*did you mean ${hint.replace('/', '\\/')}`));
    const asked = requests.slice(seen);
    assert.deepEqual(asked.filter((p) => p.startsWith('/v1/candles/')), [], `no candle request for ${symbol}`);
    assert.ok(!existsSync(join(root, 'data')) || readdirSync(join(root, 'data')).every((d) => d === 'locks' || d === 'temp'), 'nothing built');
  }
});


test('`instruments` prints the catalogue as a table and as JSON, filtered by --group and --search', async () => {
  const root = makeRoot(recording.sim.url, ['EUR/USD']);
  const all = await runCli(['instruments', '--root', root]);
  assert.equal(all.code, 0, all.stderr);
  const lines = all.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^name +description +group +decimals +first minute \(UTC\) +trading hours$/);
  assert.equal(lines.length, KNOWN_INSTRUMENTS.length + 2);
  assert.equal(lines[lines.length - 1], `${KNOWN_INSTRUMENTS.length} instruments`);
  assert.match(all.stdout, /\nEUR\/CHF +Euro vs Swiss Franc +FX_CROSSES +5 +2004-01-04 22:00 +Mon–Fri 17:00 \(day before\)–17:00 America\/New_York\n/);
  assert.match(all.stdout, /\nJPN\.IDX\/JPY .* Mon–Fri 09:00–11:30, 12:30–15:30 Asia\/Tokyo\n/);

  const majors = await runCli(['instruments', '--root', root, '--group', 'FX_MAJORS', '--json']);
  assert.equal(majors.code, 0, majors.stderr);
  const rows = JSON.parse(majors.stdout) as { name: string; description: string; group: string; decimals: number; firstMinute: string; timezone: string; holidays: unknown[] }[];
  assert.deepEqual(rows.map((r) => r.name), ['EUR/USD', 'GBP/USD', 'USD/JPY', 'AUD/USD', 'USD/CHF', 'USD/CAD', 'NZD/USD']);
  for (const row of rows) {
    const doc = JSON.parse((await getText(recording.sim.url, `/v1/instruments/${row.name.replace('/', '-')}`)).text);
    assert.equal(row.description, doc.description);
    assert.equal(row.group, 'FX_MAJORS');
    assert.equal(row.decimals, doc.priceScale);
    assert.equal(row.firstMinute, new Date(doc.histories.find((h: { period: string }) => h.period === 'MINUTE').from).toISOString());
    assert.equal(row.holidays.length, doc.holidays.length);
  }
  const gold = await runCli(['instruments', '--root', root, '--search', 'gold', '--no-download']);
  assert.equal(gold.code, 0, gold.stderr);
  assert.match(gold.stdout, /\nXAU\/USD +Gold vs US Dollar +FX_METALS +3 /);
  assert.match(gold.stdout, /\n1 instrument$/m);
  // Every document is in the cache now.
  assert.equal(readdirSync(join(root, 'cache/instruments')).length, KNOWN_INSTRUMENTS.length);
});
