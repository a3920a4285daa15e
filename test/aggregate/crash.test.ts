// Crash repair, simulated by putting the files in the states a crash leaves (docs/format.md, "Recovery"):
// every repairable state must end byte-identical to an uninterrupted run; damage must be refused with
// STORE_DAMAGED (or rebuilt with autoRebuild).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { aggregateSymbol, type AggregateOptions } from '../../src/aggregate/aggregate.js';
import { CorruptFileError } from '../../src/errors.js';
import { Layout } from '../../src/paths.js';
import { decodeIndex } from '../../src/store/indexFormat.js';
import { DAY, tempRoot, utcDay } from '../store/helpers.js';
import { withGeneration } from '../helpers/common.js';
import { SYMBOL, storeFiles, writeClosedDays, writeLiveDay } from './helpers.js';

const FIRST = utcDay('2024-01-01');
const N_DAYS = 10;
const opts: AggregateOptions = { csv: true };

/** A root with all inputs, and the files of an uninterrupted run over them. */
async function reference(t: { after(fn: () => Promise<void>): void }) {
  const layout = new Layout(await tempRoot(t));
  await writeClosedDays(layout, FIRST, N_DAYS);
  await writeLiveDay(layout, FIRST + N_DAYS * DAY, 500);
  await aggregateSymbol(layout, SYMBOL, opts);
  return { layout, files: await storeFiles(layout) };
}

/** A copy of the reference root's inputs (no aggregate output). */
async function freshCopy(t: { after(fn: () => Promise<void>): void }, from: Layout): Promise<Layout> {
  const layout = new Layout(await tempRoot(t));
  await cp(join(from.root, 'data', 'transform'), join(layout.root, 'data', 'transform'), { recursive: true });
  await cp(from.tempDir, layout.tempDir, { recursive: true });
  return layout;
}

async function assertSameAs(layout: Layout, want: Awaited<ReturnType<typeof storeFiles>>, what: string) {
  const got = await storeFiles(layout);
  assert.ok(got.store.equals(want.store), `${what}: store differs`);
  assert.ok(got.csv!.equals(want.csv!), `${what}: csv differs`);
  assert.ok(got.index.equals(want.index), `${what}: index differs`);
}

const damaged = (e: unknown) => e instanceof CorruptFileError && e.code === 'STORE_DAMAGED' && e.stage === 'Aggregate' && /candlestore rebuild aggregate/.test(e.message);

test('UncommittedTailIsCutOff: old index after an append, store cut at many points, is repaired to a clean run', async (t) => {
  const ref = await reference(t);
  const layout = await freshCopy(t, ref.layout);
  // The committed state after the first 4 days, then everything appended: the index a crash would leave.
  const live = layout.liveTransformDay(SYMBOL, FIRST + N_DAYS * DAY);
  const liveBytes = await readFile(live);
  await rm(live);
  for (let i = 4; i < N_DAYS; i++) await rm(layout.transformDay(SYMBOL, FIRST + i * DAY));
  await aggregateSymbol(layout, SYMBOL, opts);
  const early = await storeFiles(layout);
  const earlyIx = decodeIndex(early.index, 'idx', 'Aggregate');
  await cp(join(ref.layout.root, 'data', 'transform'), join(layout.root, 'data', 'transform'), { recursive: true });
  await writeFile(live, liveBytes);
  const span = ref.files.store.length - earlyIx.outPos;
  const csvSpan = ref.files.csv!.length - earlyIx.csvPos;
  const cuts = [0, 1, 63, 64, 65, 64 * 7, Math.floor(span / 3), Math.floor(span / 2) + 5, span - 64, span - 1, span];
  for (const cut of cuts) {
    // The reference's bytes as the early store's incarnation would have written them.
    await writeFile(layout.aggregateStore(SYMBOL), withGeneration('s.bin', ref.files.store, early.generation).subarray(0, earlyIx.outPos + cut));
    await writeFile(layout.aggregateCsv(SYMBOL), ref.files.csv!.subarray(0, earlyIx.csvPos + Math.floor((csvSpan * cut) / span)));
    await writeFile(layout.aggregateIndex(SYMBOL), withGeneration('s.idx', early.index, early.generation));
    const stats = await aggregateSymbol(layout, SYMBOL, opts);
    if (cut > 0) assert.match(stats.repairs.join('\n'), /uncommitted bytes past out_pos/);
    await assertSameAs(layout, ref.files, `cut at +${cut}`);
  }
});

test('GarbagePastOutPos in store and CSV is cut off', async (t) => {
  const ref = await reference(t);
  for (const n of [1, 63, 64, 65, 1000]) {
    await appendFile(ref.layout.aggregateStore(SYMBOL), Buffer.alloc(n, 0xab));
    await appendFile(ref.layout.aggregateCsv(SYMBOL), 'x'.repeat(n));
    const stats = await aggregateSymbol(ref.layout, SYMBOL, opts);
    assert.equal(stats.repairs.length, 2, stats.repairs.join('\n'));
    await assertSameAs(ref.layout, ref.files, `${n} bytes of garbage`);
  }
});

test('StaleIndexTempIsRemoved and a missing CSV mirror is regenerated', async (t) => {
  const ref = await reference(t);
  const tmp = join(dirname(ref.layout.aggregateIndex(SYMBOL)), '.EUR-USD.idx.99999.1.tmp');
  await writeFile(tmp, 'half an index');
  await rm(ref.layout.aggregateCsv(SYMBOL));
  const stats = await aggregateSymbol(ref.layout, SYMBOL, opts);
  assert.match(stats.repairs.join('\n'), /stale temp/);
  assert.match(stats.repairs.join('\n'), /regenerating/);
  await assert.rejects(readFile(tmp), /ENOENT/);
  await assertSameAs(ref.layout, ref.files, 'after temp removal');
});

test('MissingIndexRebuildsFromScratch', async (t) => {
  const ref = await reference(t);
  await rm(ref.layout.aggregateIndex(SYMBOL));
  await appendFile(ref.layout.aggregateStore(SYMBOL), Buffer.alloc(100));
  const stats = await aggregateSymbol(ref.layout, SYMBOL, opts);
  assert.equal(stats.rebuilt, true);
  assert.match(stats.repairs.join('\n'), /has no index/);
  await assertSameAs(ref.layout, ref.files, 'rebuilt');
});

test('TruncatedStoreIsRefused, or rebuilt with autoRebuild', async (t) => {
  const ref = await reference(t);
  for (const short of [1, 64, 1000]) {
    await truncate(ref.layout.aggregateStore(SYMBOL), ref.files.store.length - short);
    await assert.rejects(aggregateSymbol(ref.layout, SYMBOL, opts), (e) => damaged(e) && /truncated/.test((e as Error).message));
    const stats = await aggregateSymbol(ref.layout, SYMBOL, { ...opts, autoRebuild: true });
    assert.equal(stats.rebuilt, true);
    await assertSameAs(ref.layout, ref.files, `rebuilt after losing ${short} bytes`);
  }
});

test('TailChecksumMismatch, BadStoreHeader and a damaged index are refused', async (t) => {
  const ref = await reference(t);
  const store = ref.layout.aggregateStore(SYMBOL);
  const flip = async (file: string, at: number) => {
    const b = await readFile(file);
    b[at < 0 ? b.length + at : at] ^= 0x10;
    await writeFile(file, b);
  };
  await flip(store, -30);
  await assert.rejects(aggregateSymbol(ref.layout, SYMBOL, opts), (e) => damaged(e) && /tail_crc/.test((e as Error).message));
  await flip(store, -30);
  await flip(store, 30);
  await assert.rejects(aggregateSymbol(ref.layout, SYMBOL, opts), (e) => damaged(e) && /symbol|checksum/.test((e as Error).message));
  await flip(store, 30);
  await flip(ref.layout.aggregateIndex(SYMBOL), 20);
  await assert.rejects(aggregateSymbol(ref.layout, SYMBOL, opts), (e) => damaged(e) && /index checksum/.test((e as Error).message));
  await flip(ref.layout.aggregateIndex(SYMBOL), 20);
  await rm(store);
  await assert.rejects(aggregateSymbol(ref.layout, SYMBOL, opts), (e) => damaged(e) && /missing/.test((e as Error).message));
});

test('ChecksumMismatch in a middle record: unnoticed by the O(1) repair, refused with fullCheck', async (t) => {
  const ref = await reference(t);
  const store = ref.layout.aggregateStore(SYMBOL);
  const b = await readFile(store);
  b[64 * 500 + 17] ^= 0x01;
  await writeFile(store, b);
  await aggregateSymbol(ref.layout, SYMBOL, opts);
  await assert.rejects(aggregateSymbol(ref.layout, SYMBOL, { ...opts, fullCheck: true }), (e) => damaged(e) && /data_crc/.test((e as Error).message));
});
