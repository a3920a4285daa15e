// Readers of both sides (issue 14 part 2), against sim with minutes on one side only: `build --side mid
// --spread` (CSV and Parquet) and the API's `side=mid&spread` equal mid and spread computed here from both
// stores with decimal (BigInt) arithmetic, bars on one side only are left out and counted, and `verify`
// reports exactly the one-sided minutes of the raw days.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { Layout } from '../../src/paths.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { independentDecode } from '../helpers/independent.js';
import { oracleSeries, timeText } from '../build/helpers.js';
import { pairedBars, type PairedBar } from './paired.js';
import { hyparquetRows, hyparquetTime } from '../build/readers.js';
import { get } from '../api/helpers.js';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';

const SYMBOLS = ['EUR/USD', 'XAU/USD'];
const NOW = '2026-03-11T12:00:00Z';
let sim: SimServer;
let root: string;
let server: RunningServer;

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 9, now: Date.parse(NOW), oneSidedRate: 0.01 });
  root = makeRoot(sim.url, SYMBOLS, 'sides: [BID, ASK]\n');
  const r = await runCli(['run', '--root', root, '--from', '2026-03-08', '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
  server = await startServer({ layout: new Layout(root), listen: '127.0.0.1:0', log: () => {} });
});
after(async () => {
  await server.close();
  await sim.close();
});

type Expected = PairedBar & { time: number };

/** Mid and spread of one series computed from its two stores: bars of both sides at the same time only. */
function expectedMid(code: string, tf: string): { rows: Expected[]; oneSided: number; decimals: number } {
  const p = pairedBars(root, code, tf);
  return { rows: p.rows.map((r) => ({ ...r, time: r.ts })), oneSided: p.bidOnly.length + p.askOnly.length, decimals: p.decimals };
}

test('build --side mid --spread: CSV and Parquet equal mid and spread computed from both stores; one-sided bars left out and counted', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cs-sides-'));
  const csv = await runCli(['build', '--root', root, '--select', '*/1m,1h', '--side', 'mid', '--spread', '--csv', '--output', join(out, 'mid.csv')]);
  assert.equal(csv.code, 0, csv.stderr);
  const pq = await runCli(['build', '--root', root, '--select', '*/1m,1h', '--side', 'mid', '--spread', '--output', join(out, 'mid.parquet')]);
  assert.equal(pq.code, 0, pq.stderr);
  const lines = readFileSync(join(out, 'mid.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], 'symbol,timeframe,time,open,high,low,close,volume,spread');
  const expectedLines: string[] = [];
  const expectedRows: (Expected & { symbol: string; timeframe: string })[] = [];
  for (const code of ['EUR-USD', 'XAU-USD']) {
    for (const tf of ['1m', '1h']) {
      const e = expectedMid(code, tf);
      assert.ok(e.rows.length > 0);
      if (tf === '1m') {
        assert.ok(e.oneSided > 0, `${code}: the sim left minutes on one side`);
        assert.match(csv.stderr, new RegExp(`note: ${code} 1m: ${e.oneSided} bars? on one side only left out of mid`));
      }
      for (const r of e.rows) {
        expectedLines.push(`${code},${tf},${timeText(r.time)},${r.open},${r.high},${r.low},${r.close},${String(r.volume)},${r.spread}`);
        expectedRows.push({ symbol: code, timeframe: tf, ...r });
      }
    }
  }
  assert.deepEqual(lines.slice(1), expectedLines);
  const rows = await hyparquetRows(join(out, 'mid.parquet'));
  assert.equal(rows.length, expectedRows.length);
  rows.forEach((r, i) => {
    const e = expectedRows[i];
    assert.deepEqual(
      [r.symbol, r.timeframe, hyparquetTime(r.time), r.open, r.high, r.low, r.close, r.volume, r.spread],
      [e.symbol, e.timeframe, e.time, Number(e.open), Number(e.high), Number(e.low), Number(e.close), e.volume, Number(e.spread)],
      `parquet row ${i}`,
    );
  });
  // --side ask alone reads the ASK store as it is.
  const ask = await runCli(['build', '--root', root, '--select', 'EUR-USD/1h', '--side', 'ask', '--csv', '--output', join(out, 'ask.csv')]);
  assert.equal(ask.code, 0, ask.stderr);
  const askRecords = oracleSeries(root, 'EUR-USD.ASK', '1h').records;
  assert.deepEqual(readFileSync(join(out, 'ask.csv'), 'utf8').trimEnd().split('\n').slice(1), askRecords.map((r) => `EUR-USD,1h,${timeText(r.ts)},${r.o.toFixed(5)},${r.h.toFixed(5)},${r.l.toFixed(5)},${r.c.toFixed(5)},${String(r.v)}`));
  const bad = await runCli(['build', '--root', root, '--select', 'EUR-USD/1h', '--side', 'middle', '--csv', '--output', join(out, 'x.csv')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--side "middle": want bid, ask or mid/);
});

test('API side=mid&spread (JSON and CSV, both orders, offset) equals the same computation; side=ask reads the ASK store', async () => {
  const e = expectedMid('EUR-USD', '1m');
  const after = e.rows[100].time;
  const until = e.rows[900].time;
  const window = e.rows.filter((r) => r.time >= after && r.time < until);
  const q = `after=${after}&until=${until}&limit=500`;
  const json = await get(server.url, `/v1/candles/EUR-USD/1m?${q}&side=mid&spread`);
  assert.equal(json.status, 200, json.text);
  const got = json.json().result as { time: string; open: number; close: number; high: number; low: number; volume: number; spread: number }[];
  assert.deepEqual(got.map((r) => [r.time, r.open, r.high, r.low, r.close, r.volume, r.spread]), window.slice(0, 500).map((r) => [timeText(r.time), Number(r.open), Number(r.high), Number(r.low), Number(r.close), r.volume, Number(r.spread)]));
  const desc = await get(server.url, `/v1/candles/EUR-USD/1m?${q}&side=mid&spread=true&order=desc&offset=7&format=csv`);
  assert.equal(desc.status, 200, desc.text);
  const lines = desc.text.trimEnd().split('\n');
  assert.equal(lines[0], 'symbol,timeframe,time,open,high,low,close,volume,forming,spread');
  const tail = [...window].reverse().slice(7, 507);
  assert.deepEqual(lines.slice(1), tail.map((r) => `EUR/USD,1m,${timeText(r.time)},${r.open},${r.high},${r.low},${r.close},${String(r.volume)},false,${r.spread}`));
  // Indicators warm up on paired bars: sma(3) of the first row is the mean of the three paired closes up to it.
  const sma = await get(server.url, `/v1/candles/EUR-USD/1m?after=${after}&side=mid&indicators=sma(3)&limit=1`);
  assert.equal(sma.status, 200, sma.text);
  assert.equal(sma.json().result.length, 1, sma.text);
  const i0 = e.rows.findIndex((r) => r.time === after);
  const mean = (Number(e.rows[i0].close) + Number(e.rows[i0 - 1].close) + Number(e.rows[i0 - 2].close)) / 3;
  assert.ok(Math.abs(sma.json().result[0].indicators.sma_3 - mean) < 1e-12);
  const ask = await get(server.url, `/v1/candles/EUR-USD/1h?side=ask&limit=5`);
  assert.deepEqual(ask.json().result.map((r: { close: number }) => r.close), oracleSeries(root, 'EUR-USD.ASK', '1h').records.slice(0, 5).map((r) => r.c));
  const bad = await get(server.url, `/v1/candles/EUR-USD/1h?side=middle`);
  assert.equal(bad.status, 400);
  const path = await get(server.url, `/ohlcv/1.1/select/EUR-USD,1h/output/JSON?side=mid&spread&limit=3`);
  assert.equal(path.status, 200, path.text);
  const h = expectedMid('EUR-USD', '1h').rows.slice(0, 3);
  assert.deepEqual(path.json().result.map((r: { close: number; spread: number }) => [r.close, r.spread]), h.map((r) => [Number(r.close), Number(r.spread)]));
});

test('verify lists the minutes on one side only: the counts of the raw days, first minutes in order', async () => {
  const r = await runCli(['verify', '--root', root]);
  assert.equal(r.code, 0, r.stderr);
  for (const symbol of SYMBOLS) {
    const code = symbol.replace('/', '-');
    const times = (side: 'BID' | 'ASK') => {
      const out = new Set<number>();
      for (const dir of [join(root, 'cache/2026/03'), join(root, 'data/temp')]) {
        for (const name of readdirSync(dir)) {
          if (!name.startsWith(`${code}_`) || !name.endsWith('.json') || name.endsWith('.ASK.json') !== (side === 'ASK')) continue;
          for (const c of independentDecode(readFileSync(join(dir, name), 'utf8'))) out.add(c.ts);
        }
      }
      return out;
    };
    const bid = times('BID');
    const ask = times('ASK');
    const bidOnly = [...bid].filter((t) => !ask.has(t));
    const askOnly = [...ask].filter((t) => !bid.has(t));
    assert.ok(bidOnly.length > 0 && askOnly.length > 0);
    const m = new RegExp(`^${symbol} BID/ASK 1m  (\\d+) minute\\(s\\) on one side only \\((\\d+) BID only, (\\d+) ASK only`, 'm').exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.deepEqual([Number(m[1]), Number(m[2]), Number(m[3])], [bidOnly.length + askOnly.length, bidOnly.length, askOnly.length]);
    const first = [...bidOnly.map((t) => [t, 'BID'] as const), ...askOnly.map((t) => [t, 'ASK'] as const)].sort((a, b) => a[0] - b[0]).slice(0, 10);
    const block = r.stdout.slice(m.index).split('\n').slice(1, 11);
    assert.deepEqual(block, first.map(([t, s]) => `  one-sided ${timeText(t).slice(0, 16)} ${s} only`));
  }
});

test('a mid export counts its rows while writing (one pass): manifest rows, Parquet provisional rows and the note equal the count from both stores; a dry run plans the same rows', async () => {
  const out = mkdtempSync(join(tmpdir(), 'cs-sides-part-'));
  const args = ['build', '--root', root, '--select', 'EUR-USD/1m,1h', '--side', 'mid', '--spread', '--output-dir', out, '--partition', '--incremental'];
  const dry = await runCli([...args, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  const r = await runCli(args);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, dry.stderr, 'the same one-sided note, planned or counted while writing');
  const manifest = JSON.parse(readFileSync(join(out, '_candlestore_manifest.json'), 'utf8')) as { partitions: Record<string, { rows: number }> };
  for (const tf of ['1m', '1h']) {
    const e = expectedMid('EUR-USD', tf);
    const rel = `timeframe=${tf}/symbol=EUR-USD/year=2026/data.parquet`;
    assert.equal(manifest.partitions[rel].rows, e.rows.length, rel);
    assert.match(dry.stdout, new RegExp(`${rel.replace(/[.=/]/g, '\\$&')}  ${e.rows.length.toLocaleString('en')} rows`));
    assert.equal((await hyparquetRows(join(out, rel))).length, e.rows.length);
    // provisional_rows: paired rows not final on both sides (planning's rule: all final → none, else the rows past the earlier final position).
    const bid = oracleSeries(root, 'EUR-USD', tf);
    const ask = oracleSeries(root, 'EUR-USD.ASK', tf);
    const allFinal = bid.finalCount === bid.records.length && ask.finalCount === ask.records.length;
    const want = allFinal ? 0 : e.rows.length - Math.min(e.rows.length, bid.finalCount, ask.finalCount);
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(join(out, rel)));
    const series = JSON.parse(meta.key_value_metadata!.find((kv) => kv.key === 'candlestore.series')!.value!);
    assert.equal(series[0].provisional_rows, want, rel);
  }
  // Again: unchanged final partitions keep their counted rows in the manifest without being read.
  const again = await runCli(args);
  assert.equal(again.code, 0, again.stderr);
  const m2 = JSON.parse(readFileSync(join(out, '_candlestore_manifest.json'), 'utf8')) as { partitions: Record<string, { rows: number }> };
  assert.deepEqual(Object.values(m2.partitions).map((p) => p.rows), Object.values(manifest.partitions).map((p) => p.rows));
});
