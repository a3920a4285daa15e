// The Parquet encoder on crafted bars: time gaps from one minute to centuries (every delta bit width, the
// 64-bit path included), several row groups and pages, every compression, a UTC and a shifted file, an empty
// file; DuckDB and hyparquet read every value back exactly, with the schema and statistics promised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordChunk } from '../../src/store/chunk.js';
import { BarChunk } from '../../src/store/open.js';
import { ParquetSink, ROW_GROUP_ROWS, type Compression } from '../../src/build/parquet.js';
import { rng, tempRoot } from '../helpers/common.js';
import { duckRows, hyparquetRows, hyparquetTime } from './readers.js';

interface Bar { t: number; o: number; h: number; l: number; c: number; v: number }

function bars(n: number, seed: number): Bar[] {
  const r = rng(seed);
  const out: Bar[] = [];
  let t = Date.UTC(1990, 0, 1);
  for (let i = 0; i < n; i++) {
    // Mostly one minute; now and then a gap of any size up to ~2^41 ms (70 years), for every bit width.
    const roll = r();
    t += roll < 0.97 ? 60_000 : roll < 0.995 ? 60_000 * Math.floor(1 + r() * 10_000) : Math.floor(r() * 2 ** (20 + Math.floor(r() * 21)));
    const o = Math.round((1 + r()) * 1e5) / 1e5;
    out.push({ t, o, h: o + 0.001, l: o - 0.001, c: Math.round((1 + r()) * 1e5) / 1e5, v: r() * 1000 });
  }
  return out;
}

function chunkOf(list: Bar[], first: number): BarChunk {
  const buf = Buffer.allocUnsafeSlow(list.length * 64).fill(0);
  list.forEach((b, i) => {
    buf.writeBigInt64LE(BigInt(b.t), i * 64);
    [b.o, b.h, b.l, b.c, b.v].forEach((x, k) => buf.writeDoubleLE(x, i * 64 + 8 + k * 8));
  });
  return new BarChunk(new RecordChunk(buf, 64 + first * 64), first, Number.MAX_SAFE_INTEGER);
}

async function write(file: string, series: { symbol: string; tf: string; bars: Bar[] }[], compression: Compression, utc: boolean, seriesColumns = true, encodeThreads = 0): Promise<void> {
  const fd = openSync(file, 'w');
  try {
    const sink = await ParquetSink.open(fd, { compression, utc, seriesColumns, metadata: { 'candlestore.version': 'test' }, encodeThreads });
    for (const s of series) {
      await sink.beginSeries(s.symbol, s.tf);
      for (let i = 0; i < s.bars.length; i += 50_000) await sink.append(chunkOf(s.bars.slice(i, i + 50_000), i));
    }
    await sink.finish();
  } finally {
    closeSync(fd);
  }
}

test('every value comes back exactly, for every compression, through DuckDB and hyparquet', async (t) => {
  const dir = await tempRoot(t);
  const big = bars(ROW_GROUP_ROWS + 70_000, 1);
  const b = bars(3_000, 2);
  for (const compression of ['zstd', 'snappy', 'gzip', 'brotli', 'none'] as const) {
    // Row groups and every bit width on the default codec; the other codecs on a slice (same pages).
    const a = compression === 'zstd' ? big : big.slice(0, 20_000);
    const file = join(dir, `${compression}.parquet`);
    // zstd through two encoder threads (the one-file path), the others encoded inline.
    await write(file, [{ symbol: 'EUR-USD', tf: '1m', bars: a }, { symbol: 'AUS.IDX-AUD', tf: '1h', bars: b }], compression, true, true, compression === 'zstd' ? 2 : 0);
    const got = await duckRows(`SELECT symbol, timeframe, epoch_ms(time)::DOUBLE AS t, open, high, low, close, volume FROM '${file}'`);
    const want = [...a.map((x) => ['EUR-USD', '1m', x] as const), ...b.map((x) => ['AUS.IDX-AUD', '1h', x] as const)];
    assert.equal(got.length, want.length, compression);
    want.forEach(([symbol, timeframe, x], i) => {
      const g = got[i];
      if (g.symbol !== symbol || g.timeframe !== timeframe || g.t !== x.t || g.open !== x.o || g.high !== x.h || g.low !== x.l || g.close !== x.c || g.volume !== x.v) {
        assert.fail(`${compression} row ${i}: ${JSON.stringify(g)} vs ${JSON.stringify({ symbol, timeframe, ...x })}`);
      }
    });
    const groups = await duckRows(`SELECT row_group_id, row_group_num_rows AS n, compression, stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata('${file}') WHERE path_in_schema = 'open' ORDER BY row_group_id`);
    assert.deepEqual(groups.map((g) => Number(g.n)), compression === 'zstd' ? [ROW_GROUP_ROWS, 70_000, 3_000] : [20_000, 3_000], 'row groups split at ROW_GROUP_ROWS and at each series');
    assert.ok(groups.every((g) => g.compression === (compression === 'none' ? 'UNCOMPRESSED' : compression.toUpperCase())));
    assert.equal(Number(groups.at(-1)!.lo), Math.min(...b.map((x) => x.o)));
    assert.equal(Number(groups.at(-1)!.hi), Math.max(...b.map((x) => x.o)));
    if (compression === 'zstd') {
      const inline = join(dir, 'zstd-inline.parquet');
      await write(inline, [{ symbol: 'EUR-USD', tf: '1m', bars: a }, { symbol: 'AUS.IDX-AUD', tf: '1h', bars: b }], compression, true, true, 0);
      assert.ok(readFileSync(inline).equals(readFileSync(file)), 'row groups encoded on threads give the same bytes as inline');
      const hy = await hyparquetRows(file);
      assert.equal(hy.length, want.length);
      want.forEach(([, , x], i) => assert.equal(hyparquetTime(hy[i].time), x.t, `hyparquet row ${i}`));
    }
  }
});

test('a shifted store is a local timestamp, a partition file has no series columns, an empty export is a valid file', async (t) => {
  const dir = await tempRoot(t);
  const local = join(dir, 'local.parquet');
  await write(local, [{ symbol: 'EUR-USD', tf: '1h', bars: bars(500, 3) }], 'zstd', false, false);
  const types = Object.fromEntries((await duckRows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${local}')`)).map((x) => [x.column_name, x.column_type]));
  assert.deepEqual(types, { time: 'TIMESTAMP', open: 'DOUBLE', high: 'DOUBLE', low: 'DOUBLE', close: 'DOUBLE', volume: 'DOUBLE' });
  const kv = await duckRows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${local}')`);
  assert.deepEqual(kv, [{ k: 'candlestore.version', v: 'test' }]);

  const empty = join(dir, 'empty.parquet');
  await write(empty, [], 'zstd', true);
  assert.deepEqual(await duckRows(`SELECT count(*)::INTEGER AS n FROM '${empty}'`), [{ n: 0 }]);
  assert.deepEqual(await hyparquetRows(empty), []);
});
