// StoreReader and StoreWriter round trips on real files: typed views, ranges, lower-bound search with
// O(log n) reads, chunked scans that never re-read, limits at out_pos and partial trailing records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptFileError } from '../../src/errors.js';
import { HEADER_SIZE, RECORD_SIZE, W_OPEN, W_TS, type Candle } from '../../src/store/format.js';
import { StoreReader } from '../../src/store/reader.js';
import { StoreWriter } from '../../src/store/writer.js';
import { DAY, dayCandles, dayFileBytes, tempRoot, utcDay } from './helpers.js';

const opts = { stage: 'Verify' as const };

async function sampleFile(root: string, candles: Candle[]): Promise<string> {
  const file = join(root, 'sample.bin');
  await writeFile(file, dayFileBytes('EUR/USD', candles));
  return file;
}

test('readRange exposes typed-array views over one buffer, equal to the encoded candles', async (t) => {
  const candles = dayCandles(utcDay('2024-03-05'));
  const r = await StoreReader.open(await sampleFile(await tempRoot(t), candles), opts);
  t.after(() => r.close());
  assert.equal(r.recordCount, candles.length);
  assert.equal(r.header.symbol, 'EUR/USD');
  const chunk = await r.readRange(10, 5);
  assert.equal(chunk.count, 5);
  assert.equal(chunk.startPos, HEADER_SIZE + 10 * RECORD_SIZE);
  assert.equal(chunk.f64.buffer, chunk.buf.buffer, 'views share the read buffer');
  for (let i = 0; i < 5; i++) {
    const c = candles[10 + i];
    assert.equal(chunk.i64[i * 8 + W_TS], BigInt(c.ts));
    assert.equal(chunk.f64[i * 8 + W_OPEN], c.open);
    assert.equal(chunk.ts(i), c.ts);
    assert.deepEqual(chunk.candle(i), c);
  }
  assert.equal((await r.readRange(candles.length - 2, 10)).count, 2, 'clamped at the end');
  assert.equal((await r.readRange(candles.length, 10)).count, 0);
});

test('findByTime is a lower bound and reads O(log n) records', async (t) => {
  const candles = dayCandles(utcDay('2024-03-05'), { missing: 0.3 });
  const r = await StoreReader.open(await sampleFile(await tempRoot(t), candles), opts);
  t.after(() => r.close());
  const bound = Math.ceil(Math.log2(candles.length + 1)) + 1;
  const probes = [candles[0].ts - 1, candles[0].ts, candles[500].ts, candles[500].ts + 1, candles.at(-1)!.ts, candles.at(-1)!.ts + 1];
  for (const ts of probes) {
    const before = r.reads;
    const got = await r.findByTime(ts);
    const want = candles.findIndex((c) => c.ts >= ts);
    assert.equal(got, want === -1 ? candles.length : want, `lower bound of ${ts}`);
    assert.ok(r.reads - before <= bound, `${r.reads - before} reads > ${bound}`);
  }
});

test('scan reads forward from a position in whole-record chunks and never re-reads', async (t) => {
  const candles = dayCandles(utcDay('2024-03-05'));
  const r = await StoreReader.open(await sampleFile(await tempRoot(t), candles), opts);
  t.after(() => r.close());
  const from = HEADER_SIZE + 100 * RECORD_SIZE;
  const before = r.bytesRead;
  const seen: number[] = [];
  for await (const chunk of r.scan(from, 1000)) {
    assert.equal(chunk.buf.length % RECORD_SIZE, 0);
    assert.ok(chunk.buf.length <= 1000);
    for (let i = 0; i < chunk.count; i++) seen.push(chunk.ts(i));
  }
  assert.deepEqual(seen, candles.slice(100).map((c) => c.ts));
  assert.equal(r.bytesRead - before, (candles.length - 100) * RECORD_SIZE);
  await assert.rejects(async () => { for await (const _ of r.scan(from + 1)) void _; }, RangeError);
});

test('scanChunks reads [fromPos, toPos) forward into one reused buffer, never re-reading, equal to scan', async (t) => {
  const candles = dayCandles(utcDay('2024-03-05'));
  const r = await StoreReader.open(await sampleFile(await tempRoot(t), candles), opts);
  t.after(() => r.close());
  for (const [a, b, chunkBytes] of [[0, candles.length, 1000], [100, 1000, 64], [7, 8, 4096], [0, candles.length, 1 << 20], [5, 5, 640]]) {
    const before = r.bytesRead;
    const buffers = new Set<ArrayBufferLike>();
    const seen: Candle[] = [];
    let pos = HEADER_SIZE + a * RECORD_SIZE;
    for await (const chunk of r.scanChunks({ fromPos: HEADER_SIZE + a * RECORD_SIZE, toPos: HEADER_SIZE + b * RECORD_SIZE, chunkBytes })) {
      assert.equal(chunk.startPos, pos, 'chunks follow each other');
      assert.ok(chunk.buf.length <= chunkBytes && chunk.count > 0);
      buffers.add(chunk.buf.buffer);
      for (let i = 0; i < chunk.count; i++) seen.push(chunk.candle(i));
      pos = chunk.endPos;
    }
    assert.deepEqual(seen, candles.slice(a, b), `records [${a}, ${b}) in chunks of ${chunkBytes} bytes`);
    assert.equal(r.bytesRead - before, (b - a) * RECORD_SIZE, 'each byte read once');
    assert.ok(buffers.size <= 1, 'one buffer for the whole scan');
  }
  const all: number[] = [];
  for await (const chunk of r.scanChunks()) for (let i = 0; i < chunk.count; i++) all.push(chunk.ts(i));
  assert.deepEqual(all, candles.map((c) => c.ts), 'defaults: the whole file');
  await assert.rejects(async () => { for await (const _ of r.scanChunks({ fromPos: HEADER_SIZE + 1 })) void _; }, RangeError);
  await assert.rejects(async () => { for await (const _ of r.scanChunks({ toPos: r.endPos + RECORD_SIZE })) void _; }, RangeError);
  await assert.rejects(async () => { for await (const _ of r.scanChunks({ fromPos: HEADER_SIZE + 2 * RECORD_SIZE, toPos: HEADER_SIZE + RECORD_SIZE })) void _; }, RangeError);
});

test('chunk accessors read every field as stored: negative times, src past 2^32, each field distinct', async (t) => {
  const candles: Candle[] = Array.from({ length: 50 }, (_, i) => ({
    ts: (i - 25) * 86_400_000 * 400 + i, open: 1.5 + i, high: 2.5 + i, low: 0.5 + i, close: 1.25 + i, volume: 1e6 * i + 0.5,
    src: i * 2 ** 33 + 7 * i, origin: i - 20, flags: i % 4, count: 1 + i * 1000,
  }));
  const r = await StoreReader.open(await sampleFile(await tempRoot(t), candles), opts);
  t.after(() => r.close());
  const c = await r.readRange(0, candles.length);
  for (let i = 0; i < candles.length; i++) {
    const want = candles[i];
    assert.deepEqual(c.candle(i), want);
    assert.deepEqual([c.ts(i), c.open(i), c.high(i), c.low(i), c.close(i), c.volume(i), c.src(i)], [want.ts, want.open, want.high, want.low, want.close, want.volume, want.src], `record ${i}`);
    c.setSrc(i, want.src + 1);
    assert.equal(c.src(i), want.src + 1);
    assert.equal(c.candle(i).src, want.src + 1);
  }
});

test('TruncatedTrailingRecordIsIgnored, or refused in strict mode', async (t) => {
  const root = await tempRoot(t);
  const candles = dayCandles(utcDay('2024-03-05')).slice(0, 50);
  const file = await sampleFile(root, candles);
  await appendFile(file, Buffer.alloc(30, 7));
  const r = await StoreReader.open(file, opts);
  assert.equal(r.recordCount, 50);
  let n = 0;
  for await (const c of r.scan()) n += c.count;
  assert.equal(n, 50);
  await r.close();
  await assert.rejects(StoreReader.open(file, { ...opts, strict: true }), (e: unknown) => e instanceof CorruptFileError && e.code === 'TRUNCATED');
});

test('a limit (out_pos) hides records past it; a file shorter than the limit is an error', async (t) => {
  const root = await tempRoot(t);
  const candles = dayCandles(utcDay('2024-03-05')).slice(0, 50);
  const file = await sampleFile(root, candles);
  const r = await StoreReader.open(file, { ...opts, limit: HEADER_SIZE + 20 * RECORD_SIZE });
  assert.equal(r.recordCount, 20);
  assert.equal((await r.readRange(0, 100)).count, 20);
  assert.equal(await r.findByTime(candles[30].ts), 20);
  await r.close();
  await assert.rejects(StoreReader.open(file, { ...opts, limit: HEADER_SIZE + 60 * RECORD_SIZE }), /index says/);
});

test('wrong symbol or timeframe is refused with a clear error', async (t) => {
  const file = await sampleFile(await tempRoot(t), dayCandles(utcDay('2024-03-05')).slice(0, 3));
  await assert.rejects(StoreReader.open(file, { ...opts, expect: { symbol: 'GBP/USD' } }), /holds symbol EUR\/USD, expected GBP\/USD/);
  await assert.rejects(StoreReader.open(file, { ...opts, expect: { timeframe: '5m' } }), /holds timeframe 1m, expected 5m/);
});

test('writer: create, append in buffered writes, sync, truncate, reopen', async (t) => {
  const root = await tempRoot(t);
  const file = join(root, 'w.bin');
  const a = dayCandles(utcDay('2024-03-05'));
  const b = dayCandles(utcDay('2024-03-05') + DAY);
  const w = await StoreWriter.create(file, { timeframe: '1m', symbol: 'EUR/USD', decimals: 5 });
  await w.appendCandles(a);
  await w.appendCandles(b);
  assert.equal(w.recordCount, a.length + b.length);
  await w.sync();
  await w.truncate(HEADER_SIZE + a.length * RECORD_SIZE);
  await w.close();
  const r = await StoreReader.open(file, { ...opts, strict: true });
  assert.deepEqual((await r.readRange(0, 1e9)).candles(), a);
  await r.close();
  const w2 = await StoreWriter.open(file, { stage: 'Aggregate', expect: { symbol: 'EUR/USD' } });
  assert.equal(w2.size, HEADER_SIZE + a.length * RECORD_SIZE);
  await w2.appendCandles(b);
  await w2.close();
  const r2 = await StoreReader.open(file, opts);
  assert.deepEqual((await r2.readRange(0, 1e9)).candles(), [...a, ...b]);
  await r2.close();
});

test('range errors name the file they are about', async (t) => {
  const file = await sampleFile(await tempRoot(t), dayCandles(utcDay('2024-03-05')).slice(0, 10));
  const r = await StoreReader.open(file, opts);
  t.after(() => r.close());
  const namesFile = (e: unknown) => e instanceof RangeError && e.message.includes(file);
  await assert.rejects(async () => { for await (const _ of r.scan(HEADER_SIZE + 1)) void _; }, namesFile);
  await assert.rejects(async () => { for await (const _ of r.scan(HEADER_SIZE + 11 * RECORD_SIZE)) void _; }, namesFile);
  await assert.rejects(r.readRange(-1, 2), namesFile);
  await assert.rejects(r.tsAt(10), namesFile);
  await assert.rejects(StoreReader.open(file, { ...opts, limit: HEADER_SIZE + 3 }), namesFile);
});

// ---- openIndexed: one committed state, never a mix (docs/format.md §8) ----

/** A store of 10 final records and a 5-record provisional tail, with its index; returns the paths and bytes. */
async function indexedStore(t: { after(fn: () => Promise<void>): void }) {
  const { encodeFile } = await import('../../src/store/format.js');
  const { encodeIndex } = await import('../../src/store/indexFormat.js');
  const { crc32 } = await import('node:zlib');
  const dir = await tempRoot(t);
  const file = join(dir, 's.bin');
  const index = join(dir, 's.idx');
  const candles = dayCandles(utcDay('2024-03-05')).slice(0, 15).map((c, i) => ({ ...c, flags: i >= 10 ? 2 : 0 }));
  const bytes = encodeFile({ timeframe: '1m', symbol: 'EUR/USD', decimals: 5, generation: 77 }, candles);
  const finalPos = HEADER_SIZE + 10 * RECORD_SIZE;
  const ix = { lastDate: 0, inPos: 0, outPos: bytes.length, csvPos: 0, tailCrc: crc32(bytes.subarray(finalPos)), dataCrc: crc32(bytes.subarray(HEADER_SIZE, finalPos)), finalPos, generation: 77 };
  await writeFile(file, bytes);
  await writeFile(index, encodeIndex(ix));
  return { file, index, bytes, finalPos, ix, encodeIndex };
}

test('openIndexed: no index is no committed records, whatever the file holds', async (t) => {
  const { file, index } = await indexedStore(t);
  const { rm } = await import('node:fs/promises');
  await rm(index);
  const { reader, index: ix } = await StoreReader.openIndexed(file, index, opts);
  assert.equal(ix, undefined);
  assert.equal(reader.recordCount, 0);
  await reader.close();
});

test('openIndexed: the tail is a snapshot checked against tail_crc; a rewrite after open is not seen', async (t) => {
  const { file, index, bytes, finalPos } = await indexedStore(t);
  const { reader, index: ix } = await StoreReader.openIndexed(file, index, opts);
  assert.equal(ix!.finalPos, finalPos);
  assert.equal(reader.finalPos, finalPos);
  // A writer rewrites the tail in place (a run with a revised live day) while the reader is open.
  const rewritten = Buffer.from(bytes);
  rewritten.fill(0x55, finalPos);
  await writeFile(file, rewritten);
  const all = await reader.readRange(0, reader.recordCount);
  assert.ok(all.buf.equals(bytes.subarray(HEADER_SIZE)), 'the records of the commit the reader opened');
  // The reused-buffer scan too, with chunks that straddle final_pos (3 records each: 9..11 spans it).
  const scanned: Buffer[] = [];
  for await (const chunk of reader.scanChunks({ chunkBytes: 3 * RECORD_SIZE })) scanned.push(Buffer.from(chunk.buf));
  assert.ok(Buffer.concat(scanned).equals(bytes.subarray(HEADER_SIZE)), 'scanChunks serves the snapshot, not the rewrite');
  await reader.close();
});

test('openIndexed: a tail that keeps disagreeing with its index (a killed rewrite) serves the final records only', async (t) => {
  const { file, index, bytes, finalPos } = await indexedStore(t);
  const bad = Buffer.from(bytes);
  bad[bad.length - 3] ^= 1;
  await writeFile(file, bad);
  const started = performance.now();
  const { reader } = await StoreReader.openIndexed(file, index, { ...opts, waitMs: 100 });
  assert.ok(performance.now() - started >= 100, 'waited for a writer mid-commit first');
  assert.equal(reader.tailDropped, true);
  assert.equal(reader.recordCount, (finalPos - HEADER_SIZE) / RECORD_SIZE);
  await reader.close();
});

test('openIndexed: an index of another generation is never paired with the file (GENERATION_MISMATCH); a commit arriving meanwhile is taken', async (t) => {
  const { file, index, ix, encodeIndex } = await indexedStore(t);
  await writeFile(index, encodeIndex({ ...ix, generation: 78 }));
  await assert.rejects(StoreReader.openIndexed(file, index, { ...opts, waitMs: 50 }), (e: unknown) => e instanceof CorruptFileError && e.code === 'GENERATION_MISMATCH' && /generation 77 but the index describes generation 78/.test(e.message));
  // The writer's index lands while the reader retries: it opens that commit.
  // Replaced as the writer replaces it (temp + rename): a plain writeFile would show a half-written index.
  setTimeout(() => void writeFile(`${index}.tmp`, encodeIndex(ix)).then(() => rename(`${index}.tmp`, index)), 50);
  const { reader, index: got } = await StoreReader.openIndexed(file, index, { ...opts, waitMs: 2000 });
  assert.equal(got!.generation, 77);
  assert.equal(reader.recordCount, 15);
  await reader.close();
});
