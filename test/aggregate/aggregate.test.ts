// aggregateSymbol on real day files in a temp root: the store is the concatenation of the day records with
// src rewritten (computed independently here), the live day is continued at in_pos without re-reading,
// and bad inputs are refused with errors naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { aggregateSymbol } from '../../src/aggregate/aggregate.js';
import { listDayFiles, listDayFilesOf } from '../../src/aggregate/dayFiles.js';
import { CancelledError, CorruptFileError } from '../../src/errors.js';
import { Layout } from '../../src/paths.js';
import { decodeIndex } from '../../src/store/indexFormat.js';
import { DAY, dayCandles, dayFileBytes, expectedCsv, expectedStore, tempRoot, utcDay, writeDay } from '../store/helpers.js';
import { SYMBOL, storeFiles, writeClosedDays, writeLiveDay } from './helpers.js';

const FIRST = utcDay('2024-02-26'); // a Monday; the run covers a weekend

test('store equals the day records concatenated with src = byte position, CSV and index agree', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const days = await writeClosedDays(layout, FIRST, 8);
  const live = await writeLiveDay(layout, FIRST + 8 * DAY, 700);
  const stats = await aggregateSymbol(layout, SYMBOL, { csv: true });
  const { store, csv, index } = await storeFiles(layout);
  const all = [...days, live];
  assert.ok(store.equals(expectedStore(SYMBOL, all.map((d) => d.bytes))), 'store bytes');
  assert.equal(csv!.toString('latin1'), expectedCsv(all.flatMap((d) => d.candles)));
  assert.equal(stats.recordsAppended, all.reduce((n, d) => n + d.candles.length, 0));
  assert.equal(stats.daysRead, 9);
  assert.deepEqual(stats.repairs, []);
  assert.deepEqual(decodeIndex(index, 'idx', 'Aggregate'), {
    lastDate: 20240305,
    inPos: live.bytes.length,
    outPos: store.length,
    csvPos: csv!.length,
    tailCrc: crc32(store.subarray(store.length - 64)),
    dataCrc: crc32(store.subarray(64)),
    finalPos: store.length,
    generation: 0,
  });
  assert.equal(store.readBigUInt64LE(64 + 48), 64n, 'src of the first record of a day file is 64');
});

test('a growing live day appends only the new records, and nothing before in_pos is read again', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const days = await writeClosedDays(layout, FIRST, 2);
  const liveDay = FIRST + 2 * DAY;
  const v1 = await writeLiveDay(layout, liveDay, 600);
  await aggregateSymbol(layout, SYMBOL, { csv: true });
  const v2 = await writeLiveDay(layout, liveDay, 900);
  assert.ok(v2.bytes.subarray(64, v1.bytes.length).equals(v1.bytes.subarray(64)), 'fixture: the live prefix is stable');
  const stats = await aggregateSymbol(layout, SYMBOL, { csv: true });
  assert.equal(stats.recordsAppended, v2.candles.length - v1.candles.length);
  assert.equal(stats.bytesRead, 64 + (v2.bytes.length - v1.bytes.length), 'only the header and the bytes after in_pos');
  const { store, csv } = await storeFiles(layout);
  assert.ok(store.equals(expectedStore(SYMBOL, [...days.map((d) => d.bytes), v2.bytes])));
  assert.equal(csv!.toString('latin1'), expectedCsv([...days.flatMap((d) => d.candles), ...v2.candles]));
  const idle = await aggregateSymbol(layout, SYMBOL, { csv: true });
  assert.deepEqual([idle.recordsAppended, idle.bytesRead, idle.commits], [0, 64, 0], 'a run with nothing new writes nothing');
});

test('the live day becoming a closed day file is continued at in_pos', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const days = await writeClosedDays(layout, FIRST, 2);
  const liveDay = FIRST + 2 * DAY;
  const v1 = await writeLiveDay(layout, liveDay, 800);
  await aggregateSymbol(layout, SYMBOL, { csv: false });
  // The day closes: its final file appears under data/transform, the live one goes; a new live day starts.
  const closed = dayFileBytes(SYMBOL, dayCandles(liveDay));
  assert.ok(closed.subarray(64, v1.bytes.length).equals(v1.bytes.subarray(64)));
  await writeDay(layout, SYMBOL, liveDay, closed);
  await rm(v1.file);
  const next = await writeLiveDay(layout, liveDay + DAY, 300);
  const stats = await aggregateSymbol(layout, SYMBOL, { csv: false });
  assert.equal(stats.bytesRead, 64 + (closed.length - v1.bytes.length) + next.bytes.length);
  const { store, csv } = await storeFiles(layout);
  assert.equal(csv, undefined);
  assert.ok(store.equals(expectedStore(SYMBOL, [...days.map((d) => d.bytes), closed, next.bytes])));
});

test('a day file whose first ts is not after the store is refused naming both files; the store is untouched', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const days = await writeClosedDays(layout, FIRST, 2);
  await aggregateSymbol(layout, SYMBOL, { csv: true });
  const before = await storeFiles(layout);
  // Day 3's file holds day 2's candles again: a silent duplicate if accepted.
  const dup = await writeDay(layout, SYMBOL, FIRST + 2 * DAY, days[1].bytes);
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: true }), (e: unknown) => {
    assert.ok(e instanceof CorruptFileError);
    assert.equal(e.code, 'TS_ORDER');
    assert.equal(e.stage, 'Aggregate');
    assert.equal(e.file, dup);
    assert.match(e.message, /goes back before|duplicates/);
    assert.ok(e.message.includes(layout.aggregateStore(SYMBOL)), e.message);
    return true;
  });
  assert.deepEqual(await storeFiles(layout), before);
});

test('a day file of the wrong symbol, the wrong timeframe or with a partial record is refused', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const day = FIRST;
  const file = await writeDay(layout, SYMBOL, day, dayFileBytes('GBP/USD', dayCandles(day)));
  const refused = (code: string, pattern: RegExp) => (e: unknown) =>
    e instanceof CorruptFileError && e.code === code && e.stage === 'Aggregate' && e.file === file && pattern.test(e.message);
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: false }), refused('WRONG_SYMBOL', /holds symbol GBP\/USD, expected EUR\/USD/));
  await writeFile(file, dayFileBytes(SYMBOL, dayCandles(day), 5, '5m'));
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: false }), refused('WRONG_TIMEFRAME', /timeframe 5m, expected 1m/));
  await writeFile(file, dayFileBytes(SYMBOL, dayCandles(day)));
  await appendFile(file, Buffer.alloc(10));
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: false }), refused('TRUNCATED', /stray bytes/));
});

test('a day file that shrank below in_pos is refused', async (t) => {
  const layout = new Layout(await tempRoot(t));
  await writeClosedDays(layout, FIRST, 1);
  const live = await writeLiveDay(layout, FIRST + DAY, 900);
  await aggregateSymbol(layout, SYMBOL, { csv: false });
  await writeLiveDay(layout, FIRST + DAY, 400);
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: false }), (e: unknown) => e instanceof CorruptFileError && e.code === 'DAY_SHRANK' && e.file === live.file);
});

test('the CSV mirror switched on later is written from the store; switched off it is removed', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const days = await writeClosedDays(layout, FIRST, 3);
  await aggregateSymbol(layout, SYMBOL, { csv: false });
  const on = await aggregateSymbol(layout, SYMBOL, { csv: true });
  assert.equal(on.commits, 1);
  assert.match(on.repairs.join('\n'), /writing .* from the store/);
  const { csv, index } = await storeFiles(layout);
  assert.equal(csv!.toString('latin1'), expectedCsv(days.flatMap((d) => d.candles)));
  assert.equal(decodeIndex(index, 'idx', 'Aggregate').csvPos, csv!.length);
  const off = await aggregateSymbol(layout, SYMBOL, { csv: false });
  assert.match(off.repairs.join('\n'), /CSV mirror is off/);
  assert.equal((await storeFiles(layout)).csv, undefined);
  assert.equal(decodeIndex((await storeFiles(layout)).index, 'idx', 'Aggregate').csvPos, 0);
});

test('an aborted run throws CancelledError and leaves the store at its last commit', async (t) => {
  const layout = new Layout(await tempRoot(t));
  await writeClosedDays(layout, FIRST, 2);
  await aggregateSymbol(layout, SYMBOL, { csv: true });
  const before = await storeFiles(layout);
  await writeClosedDays(layout, FIRST + 2 * DAY, 2);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: true, signal: ac.signal }), CancelledError);
  assert.deepEqual(await storeFiles(layout), before);
  assert.equal((await readFile(layout.aggregateStore(SYMBOL))).length, before.store.length);
});

test('no day files: no store is created', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const stats = await aggregateSymbol(layout, SYMBOL, { csv: true });
  assert.equal(stats.commits, 0);
  await assert.rejects(readFile(layout.aggregateStore(SYMBOL)), /ENOENT/);
});

test('a record that cannot be a 1m candle is refused (BAD_RECORD) naming the file, byte and reason; so are rows out of order inside a day and changed decimals', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const day = FIRST;
  const good = dayCandles(day);
  const k = 100;
  const at = 64 + k * 64;
  const iso = new Date(good[k].ts).toISOString();
  const cases: [string, (c: (typeof good)[number]) => void, RegExp][] = [
    ['high below open', (c) => (c.high = c.open - 1), new RegExp(`^record ts ${iso} cannot be a 1m candle \\(not low ≤ open, close ≤ high: o [\\d.]+ h [-\\d.]+ l [\\d.]+ c [\\d.]+\\)`)],
    ['low above close', (c) => (c.low = c.close + 1), /not low ≤ open, close ≤ high/],
    ['NaN open', (c) => (c.open = Number.NaN), /o NaN h/],
    ['infinite high', (c) => (c.high = Number.POSITIVE_INFINITY), /h Infinity/],
    ['negative volume', (c) => (c.volume = -1), /\(volume -1\)/],
    ['NaN volume', (c) => (c.volume = Number.NaN), /\(volume NaN\)/],
    ['count 2', (c) => (c.count = 2), /\(count, flags, origin are not 1, 0, 0\)/],
    ['flags 1', (c) => (c.flags = 1), /\(count, flags, origin are not 1, 0, 0\)/],
    ['origin -60', (c) => (c.origin = -60), /\(count, flags, origin are not 1, 0, 0\)/],
  ];
  for (const [what, change, pattern] of cases) {
    const candles = good.map((c) => ({ ...c }));
    change(candles[k]);
    const file = await writeDay(layout, SYMBOL, day, dayFileBytes(SYMBOL, candles));
    await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: false }), (e: unknown) => {
      assert.ok(e instanceof CorruptFileError, what);
      assert.equal(e.code, 'BAD_RECORD', what);
      assert.equal(e.file, file);
      assert.equal(e.offset, at, what);
      assert.match(e.message, pattern, what);
      assert.match(e.message, /delete it so its day is converted again, then run `candlestore rebuild aggregate`/);
      return true;
    });
    assert.equal(await readFile(layout.aggregateStore(SYMBOL)).catch(() => undefined), undefined, `${what}: nothing committed`);
  }
  const swapped = good.map((c) => ({ ...c }));
  [swapped[k - 1].ts, swapped[k].ts] = [swapped[k].ts, swapped[k - 1].ts];
  const file = await writeDay(layout, SYMBOL, day, dayFileBytes(SYMBOL, swapped));
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: false }), (e: unknown) =>
    e instanceof CorruptFileError && e.code === 'TS_ORDER' && e.file === file && e.offset === at
    && e.message.startsWith(`record ts ${new Date(good[k - 1].ts).toISOString()} goes back before the record before it (ts ${iso}); timestamps must strictly increase`));
  await writeDay(layout, SYMBOL, day, dayFileBytes(SYMBOL, good));
  await aggregateSymbol(layout, SYMBOL, { csv: false });
  const next = await writeDay(layout, SYMBOL, day + DAY, dayFileBytes(SYMBOL, dayCandles(day + DAY), 3));
  await assert.rejects(aggregateSymbol(layout, SYMBOL, { csv: false }), (e: unknown) =>
    e instanceof CorruptFileError && e.code === 'DECIMALS_MISMATCH' && e.file === next && /prices have 3 decimals but the store .* has 5/.test(e.message));
});

test('only day files where the layout puts them are days of the store: a copy in another month folder or under another name is ignored', async (t) => {
  const layout = new Layout(await tempRoot(t));
  const days = await writeClosedDays(layout, FIRST, 3);
  const live = await writeLiveDay(layout, FIRST + 3 * DAY, 300);
  // Day 1's file copied into the next month's folder and the year's folder, and a temp-like name.
  const stray = join(dirname(dirname(days[0].file)), '03', 'EUR-USD_20240226.bin');
  await mkdir(dirname(stray), { recursive: true });
  await copyFile(days[0].file, stray);
  await copyFile(days[0].file, join(dirname(dirname(days[0].file)), 'EUR-USD_20240226.bin'));
  await copyFile(days[0].file, join(dirname(days[0].file), '.EUR-USD_20240226.bin.1.2.tmp'));
  const want = [...days.map((d) => d.file), live.file];
  assert.deepEqual((await listDayFiles(layout, SYMBOL, 0)).map((d) => d.file), want);
  const both = await listDayFilesOf(layout, [{ symbol: SYMBOL, fromDate: 20240227 }, { symbol: 'GBP/USD', fromDate: 0 }]);
  assert.deepEqual(both.get(SYMBOL)!.map((d) => d.file), want.slice(1));
  assert.deepEqual(both.get('GBP/USD'), []);
  const stats = await aggregateSymbol(layout, SYMBOL, { csv: false });
  assert.equal(stats.daysRead, 4);
});
