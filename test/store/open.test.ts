// The public reader (`import { openStore } from 'candlestore'`, the compiled package entry) on a root made by
// the CLI against sim: symbols, timeframes, every bar of every series equal to the independent reader up to
// the index's out_pos, final/open per bar, range lookups by time against a linear filter, chunked iteration,
// and the snapshot rules (uncommitted tails invisible, no index = no store, a generation mismatch refused).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { openStore, NotFoundError, type Bar } from 'candlestore';
import type { SimServer } from '../../src/sim/server.js';
import { tempRoot, rng } from '../helpers/common.js';
import { CODES, SYMBOLS, provisionalTails, exportFixture, oracleSeries, storePaths, timeframesOnDisk } from '../build/helpers.js';
import type { BinRecord } from '../helpers/independent.js';

let sim: SimServer;
let root: string;

before(async () => {
  ({ sim, root } = await exportFixture({ from: '2026-03-02', now: '2026-03-06T13:07:30Z' }));
  assert.ok(provisionalTails(root) > 0);
});
after(async () => {
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

const ORDER = ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1W', '1M', '1Y'];

function expectBar(r: BinRecord, i: number, finalCount: number): Bar {
  return { time: r.ts, open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v, rows: r.count, isOpen: (r.flags & 1) === 1, isFinal: i < finalCount };
}

test('symbols and timeframes are the committed stores on disk, shortest timeframe first', async () => {
  const store = await openStore(root);
  assert.deepEqual(await store.symbols(), [...SYMBOLS].sort());
  for (const code of CODES) {
    const want = timeframesOnDisk(root, code).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    assert.deepEqual(await store.timeframes(code), want);
    assert.equal(want.length, ORDER.length);
  }
  assert.deepEqual(await store.timeframes(), ORDER);
});

test('every bar of every series equals the store read independently, with its final and open state', async () => {
  const store = await openStore(root);
  let bars = 0;
  let open = 0;
  let provisional = 0;
  for (const code of CODES) {
    for (const tf of timeframesOnDisk(root, code)) {
      const oracle = oracleSeries(root, code, tf);
      const s = await store.series(code, tf);
      try {
        assert.equal(s.info.symbol, oracle.symbol);
        assert.equal(s.info.fileSymbol, code);
        assert.equal(s.info.timeframe, tf);
        assert.equal(s.info.decimals, oracle.decimals);
        assert.equal(s.info.generation, oracle.generation);
        assert.notEqual(s.info.generation, 0);
        assert.equal(s.count, oracle.records.length);
        assert.equal(s.info.finalCount, oracle.finalCount);
        assert.equal(s.info.firstTime, oracle.records[0]?.ts);
        assert.equal(s.info.lastTime, oracle.records.at(-1)?.ts);
        const got: Bar[] = [];
        for await (const bar of s.bars()) got.push(bar);
        assert.deepEqual(got, oracle.records.map((r, i) => expectBar(r, i, oracle.finalCount)), `${code} ${tf}`);
        bars += got.length;
        open += got.filter((b) => b.isOpen).length;
        provisional += got.filter((b) => !b.isFinal).length;
      } finally {
        await s.close();
      }
    }
  }
  assert.ok(bars > 10_000, `${bars} bars`);
  // At 13:07 on a Friday the day, week, month and year bars of every symbol are open; intraday bars only
  // where the market still trades (an index CFD's session has ended: its last 5m bar is not open).
  assert.ok(open >= CODES.length * 4, `${open} open bars marked`);
  assert.ok(provisional >= open, 'open bars are provisional');
});

test('range lookups by time: after inclusive, until exclusive, equal to a linear filter', async () => {
  const store = await openStore(root);
  const random = rng(42);
  for (const [code, tf] of [['EUR-USD', '1m'], ['BTC-USD', '15m'], ['AUS.IDX-AUD', '1h']]) {
    const oracle = oracleSeries(root, code, tf);
    const s = await store.series(code, tf);
    const times = oracle.records.map((r) => r.ts);
    const probes = [times[0] - 1, times[0], times.at(-1)!, times.at(-1)! + 1, ...Array.from({ length: 20 }, () => times[Math.floor(random() * times.length)] + (random() < 0.5 ? 0 : 1 + Math.floor(random() * 120_000)))];
    for (let k = 0; k < 30; k++) {
      const after = probes[Math.floor(random() * probes.length)];
      const until = probes[Math.floor(random() * probes.length)];
      const want = oracle.records.map((r, i) => expectBar(r, i, oracle.finalCount)).filter((b) => b.time >= after && b.time < until);
      const got: Bar[] = [];
      const chunkBars = 1 + Math.floor(random() * 500);
      for await (const chunk of s.chunks({ after, until }, chunkBars)) got.push(...chunk.bars());
      assert.deepEqual(got, want, `${code} ${tf} [${after}, ${until})`);
      const scanned: Bar[] = [];
      for await (const chunk of s.scan({ after, until }, chunkBars)) scanned.push(...chunk.bars());
      assert.deepEqual(scanned, want, `scan ${code} ${tf} [${after}, ${until})`);
    }
    const q = { after: times[10], until: times[times.length - 5] };
    assert.deepEqual(await s.last(7, q), oracle.records.slice(-12, -5).map((r, i) => expectBar(r, oracle.records.length - 12 + i, oracle.finalCount)));
    await s.close();
  }
});

test('typed chunks expose the records without copies', async () => {
  const store = await openStore(root);
  const s = await store.series('EUR/USD', '5m');
  const oracle = oracleSeries(root, 'EUR-USD', '5m');
  let i = 0;
  for await (const chunk of s.chunks({}, 100)) {
    assert.equal(chunk.records.f64.buffer, chunk.records.buf.buffer);
    assert.equal(chunk.firstIndex, i);
    for (let k = 0; k < chunk.count; k++, i++) {
      assert.equal(chunk.time(k), oracle.records[i].ts);
      assert.equal(chunk.records.f64[k * 8 + 4], oracle.records[i].c);
      assert.equal(chunk.close(k), oracle.records[i].c);
    }
  }
  assert.equal(i, oracle.records.length);
  // scan: the same bars through one reused buffer (each chunk read into the memory of the one before).
  const buffers = new Set<ArrayBufferLike>();
  i = 0;
  for await (const chunk of s.scan({}, 100)) {
    buffers.add(chunk.records.buf.buffer);
    assert.equal(chunk.firstIndex, i);
    for (let k = 0; k < chunk.count; k++, i++) {
      const r = oracle.records[i];
      assert.deepEqual([chunk.time(k), chunk.open(k), chunk.high(k), chunk.low(k), chunk.close(k), chunk.volume(k), chunk.rows(k), chunk.flags(k)], [r.ts, r.o, r.h, r.l, r.c, r.v, r.count, r.flags]);
    }
  }
  assert.equal(i, oracle.records.length);
  assert.ok(i > 200);
  assert.equal(buffers.size, 1, 'one buffer for the whole scan');
  await s.close();
});

test('only committed records: a tail past out_pos is invisible, no index means no store, unknown names list what exists', async (t) => {
  const copy = await tempRoot(t);
  cpSync(root, copy, { recursive: true });
  const { bin, idx } = storePaths(copy, 'EUR-USD', '1h');
  const committed = oracleSeries(copy, 'EUR-USD', '1h').records.length;
  appendFileSync(bin, readFileSync(bin).subarray(64, 64 + 3 * 64));
  const store = await openStore(copy);
  const s = await store.series('EUR-USD', '1h');
  assert.equal(s.count, committed);
  let seen = 0;
  for await (const _ of s.bars()) seen++;
  assert.equal(seen, committed);
  await s.close();

  rmSync(idx);
  await assert.rejects(store.series('EUR-USD', '1h'), (err: unknown) => err instanceof NotFoundError && err.code === 'UNKNOWN_TIMEFRAME' && /available: 1m, 5m, 15m, 30m, 4h/.test(err.message));
  assert.ok(!(await store.timeframes('EUR-USD')).includes('1h'));
  rmSync(storePaths(copy, 'BTC-USD', '1m').idx);
  assert.deepEqual(await store.symbols(), ['AUS.IDX/AUD', 'EUR/USD']);
  await assert.rejects(store.series('GBP-USD', '1m'), (err: unknown) => err instanceof NotFoundError && err.code === 'UNKNOWN_SYMBOL' && err.exitCode === 2 && /GBP-USD.*available: AUS\.IDX-AUD, EUR-USD/.test(err.message));
  await assert.rejects(openStore(join(copy, 'nope')), NotFoundError);
});

test('an index of another generation of the file is never paired with it', async (t) => {
  const copy = await tempRoot(t);
  cpSync(root, copy, { recursive: true });
  const { idx } = storePaths(copy, 'EUR-USD', '1d');
  const b = Buffer.from(readFileSync(idx));
  b.writeUInt32LE((b.readUInt32LE(56) ^ 0x5a5a5a5a) >>> 0 || 1, 56);
  b.writeUInt32LE(crc32(b.subarray(0, 60)), 60);
  writeFileSync(idx, b);
  const store = await openStore(copy);
  await assert.rejects(store.series('EUR-USD', '1d'), (err: unknown) => (err as { code?: string }).code === 'GENERATION_MISMATCH' && (err as Error).message.includes(idx));
});
