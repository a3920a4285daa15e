// aggregateSymbol on real day files in a temp root: the store is the concatenation of the day records with
// src rewritten (computed independently here), the live day is continued at in_pos without re-reading,
// and bad inputs are refused with errors naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { aggregateSymbol } from '../../src/aggregate/aggregate.js';
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
  assert.ok(v2.bytes.subarray(0, v1.bytes.length).equals(v1.bytes), 'fixture: the live prefix is stable');
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
  assert.ok(closed.subarray(0, v1.bytes.length).equals(v1.bytes));
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
