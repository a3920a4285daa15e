// verifyStores on aggregate stores built by aggregateSymbol (and on hand-made bad stores): a clean store is
// clean, each kind of damage is reported under its check, repairable states are warnings, gaps are listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { aggregateSymbol } from '../../src/aggregate/aggregate.js';
import { CorruptFileError } from '../../src/errors.js';
import { Layout } from '../../src/paths.js';
import { encodeFile, type Candle } from '../../src/store/format.js';
import { encodeIndex } from '../../src/store/indexFormat.js';
import { formatVerifyReport, hasDamage } from '../../src/verify/report.js';
import type { VerifyReport } from '../../src/verify/types.js';
import { verifyStores } from '../../src/verify/verify.js';
import { DAY, MIN, dayCandles, dayFileBytes, tempRoot, utcDay, writeDay } from '../store/helpers.js';
import { SYMBOL, writeClosedDays } from './helpers.js';

const FIRST = utcDay('2024-01-08');
const checks = (list: VerifyReport['damage']) => list.map((f) => f.check).sort();

async function built(t: { after(fn: () => Promise<void>): void }, days = 4) {
  const layout = new Layout(await tempRoot(t));
  await writeClosedDays(layout, FIRST, days);
  await aggregateSymbol(layout, SYMBOL, { csv: true });
  return layout;
}

/** A store holding `candles` with a correct index: only the record checks can object. */
async function handMade(layout: Layout, candles: Candle[]): Promise<void> {
  const bytes = encodeFile({ timeframe: '1m', symbol: SYMBOL, decimals: 5, generation: 7 }, candles);
  await mkdir(dirname(layout.aggregateIndex(SYMBOL)), { recursive: true });
  await writeFile(layout.aggregateStore(SYMBOL), bytes);
  const tail = bytes.subarray(bytes.length - 64);
  await writeFile(layout.aggregateIndex(SYMBOL), encodeIndex({ lastDate: 20240108, inPos: 64, outPos: bytes.length, csvPos: 0, tailCrc: crc32(tail), dataCrc: crc32(bytes.subarray(64)), finalPos: bytes.length, generation: 7 }));
}

test('a clean store has no damage and no warnings; gaps match an independent scan of the candles', async (t) => {
  const layout = new Layout(await tempRoot(t));
  // A Monday with a 45-minute hole (a gap) and a 30-minute hole (not a gap: the rule is > 30).
  const day = FIRST;
  const candles = dayCandles(day, { missing: 0 }).filter((c) => {
    const m = (c.ts - day) / MIN;
    return !(m >= 600 && m < 645) && !(m >= 900 && m < 930);
  }).map((c, i) => ({ ...c, src: i }));
  await writeDay(layout, SYMBOL, day, dayFileBytes(SYMBOL, candles));
  await writeDay(layout, SYMBOL, day + DAY, dayFileBytes(SYMBOL, dayCandles(day + DAY, { missing: 0 })));
  await aggregateSymbol(layout, SYMBOL, { csv: true });
  const report = await verifyStores(layout, [SYMBOL]);
  assert.deepEqual(report.damage, []);
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(report.gaps, [{ symbol: SYMBOL, timeframe: '1m', day: '2024-01-08', from: '10:00', to: '10:44', minutes: 45 }]);
  assert.equal(report.files[0].records, candles.length + 1440);
  assert.equal(hasDamage(report), false);
  const text = formatVerifyReport(report);
  assert.match(text, /^EUR\/USD 1m .* 2,880 records|records .* ok$/m);
  assert.match(text, /2024-01-08 10:00–10:44 \(45 min\)/);
  assert.match(text, /1 store\(s\) checked: 0 damaged/);
});

test('TruncatedStore is damage in verify and refused by aggregate', async (t) => {
  const layout = await built(t);
  const size = (await readFile(layout.aggregateStore(SYMBOL))).length;
  await truncate(layout.aggregateStore(SYMBOL), size - 64);
  const report = await verifyStores(layout, [SYMBOL]);
  assert.deepEqual(checks(report.damage), ['size']);
  assert.match(report.damage[0].message, /truncated/);
  assert.ok(hasDamage(report));
  assert.match(formatVerifyReport(report), /DAMAGE +size +truncated.*rebuild aggregate/);
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: true }), (e) => e instanceof CorruptFileError && e.code === 'STORE_DAMAGED' && /truncated/.test(e.message));
});

test('BitFlipInMiddleRecord is caught by data_crc; aggregate with fullCheck refuses it', async (t) => {
  const layout = await built(t);
  const file = layout.aggregateStore(SYMBOL);
  const b = await readFile(file);
  b[64 + 64 * 700 + 40] ^= 0x01; // lowest mantissa bit of a volume: only the checksum can tell
  await writeFile(file, b);
  const report = await verifyStores(layout, [SYMBOL]);
  assert.deepEqual(checks(report.damage), ['data_crc']);
  assert.deepEqual(report.warnings, []);
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: true, fullCheck: true }), (e) => e instanceof CorruptFileError && e.code === 'STORE_DAMAGED' && /data_crc/.test(e.message));
});

test('BitFlipInTailRecord is caught by tail and data_crc, and refused by aggregate', async (t) => {
  const layout = await built(t);
  const file = layout.aggregateStore(SYMBOL);
  const b = await readFile(file);
  b[b.length - 12] ^= 0x80; // in src: the CSV mirror cannot see it
  await writeFile(file, b);
  const report = await verifyStores(layout, [SYMBOL]);
  assert.deepEqual(checks(report.damage), ['data_crc', 'tail']);
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: true }), (e) => e instanceof CorruptFileError && e.code === 'STORE_DAMAGED' && /tail_crc/.test(e.message));
});

test('UnrepairedCrashTail in store and CSV is a warning, not damage; the next run clears it', async (t) => {
  const layout = await built(t);
  await appendFile(layout.aggregateStore(SYMBOL), Buffer.alloc(100, 1));
  await appendFile(layout.aggregateCsv(SYMBOL), '2099-01-01 00:00,1');
  const report = await verifyStores(layout, [SYMBOL]);
  assert.deepEqual(report.damage, []);
  assert.deepEqual(checks(report.warnings), ['csv', 'size']);
  await aggregateSymbol(layout, SYMBOL, { csv: true });
  const after = await verifyStores(layout, [SYMBOL]);
  assert.deepEqual([after.damage, after.warnings], [[], []]);
});

test('MissingIndex and DamagedIndex are damage; a symbol never aggregated is a warning', async (t) => {
  const layout = await built(t);
  const ix = layout.aggregateIndex(SYMBOL);
  const good = await readFile(ix);
  await rm(ix);
  let report = await verifyStores(layout, [SYMBOL, 'GBP/USD']);
  assert.deepEqual(checks(report.damage), ['index']);
  assert.deepEqual(report.warnings.map((w) => [w.symbol, w.check]), [['EUR/USD', 'csv'], ['GBP/USD', 'store']]);
  good[30] ^= 4;
  await writeFile(ix, good);
  report = await verifyStores(layout, [SYMBOL]);
  assert.ok(checks(report.damage).includes('index'));
  assert.match(report.damage.find((d) => d.check === 'index')!.message, /checksum/);
});

test('Duplicates, OutOfOrder, Unaligned and InsaneOhlc records are damage, capped per check', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const c = dayCandles(FIRST, { missing: 0 }).slice(0, 100);
  c[10] = { ...c[10], ts: c[9].ts }; // duplicate
  c[20] = { ...c[20], ts: c[18].ts - MIN }; // goes back
  c[30] = { ...c[30], ts: c[30].ts + 1000 }; // not on a minute
  c[40] = { ...c[40], low: c[40].high + 0.001 };
  c[41] = { ...c[41], volume: -1 };
  c[42] = { ...c[42], close: Number.NaN };
  for (let i = 50; i < 80; i++) c[i] = { ...c[i], high: c[i].low - 0.01 };
  await handMade(layout, c);
  const report = await verifyStores(layout, [SYMBOL], { maxFindingsPerCheck: 5 });
  const order = report.damage.filter((d) => d.check === 'order').map((d) => d.message);
  assert.match(order[0], /duplicate ts 2024-01-08 00:09/);
  assert.ok(order.some((m) => /goes back/.test(m)));
  assert.ok(order.some((m) => /not on a 1-minute boundary/.test(m)));
  const ohlc = report.damage.filter((d) => d.check === 'ohlc').map((d) => d.message);
  assert.equal(ohlc.length, 6, 'five findings and one "more" line');
  assert.match(ohlc[0], /record 40 .*not low ≤ open/);
  assert.match(ohlc[1], /volume -1/);
  assert.match(ohlc[2], /not finite/);
  assert.match(ohlc[5], /… and \d+ more ohlc findings/);
  assert.equal(checks(report.damage).includes('data_crc'), false, 'the index matches these bytes');
});

test('CSV mirror whose last line disagrees with the store is damage; an unrecorded CSV is a warning', async (t) => {
  const layout = await built(t);
  const csv = layout.aggregateCsv(SYMBOL);
  const text = await readFile(csv, 'latin1');
  const edited = `${text.slice(0, -3)}9\n`.padEnd(text.length, 'x');
  await writeFile(csv, edited.slice(0, text.length - 2) + text.slice(-2));
  let report = await verifyStores(layout, [SYMBOL]);
  assert.deepEqual(checks(report.damage), ['csv']);
  assert.match(report.damage[0].message, /last line/);
  await writeFile(csv, text);
  await aggregateSymbol(layout, SYMBOL, { csv: false });
  await writeFile(csv, text);
  report = await verifyStores(layout, [SYMBOL]);
  assert.deepEqual(report.damage, []);
  assert.match(report.warnings.map((w) => w.message).join('\n'), /not recorded in the index/);
});
