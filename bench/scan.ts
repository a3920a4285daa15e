// §4 Physical limit and §5 random access, on the main root's stores.
//   scan: the reader's forward scan (StoreReader.openIndexed + scanChunks, the path export and the API
//         take) over every 1m store, reading each record's ts, OHLCV and src through the chunk accessors
//         (what a consumer of the store does), against reading the same files raw with readSync into one
//         reused buffer of the same chunk size (the floor: syscalls and page-cache copies only), in the
//         same process and run. Also the reader alone (chunks delivered, no field read): the reader's own
//         cost over the floor. Warm page cache (median of reps, interleaved), then once each after
//         dropping the page cache.
//   lookup: a 5000-candle window at a uniformly random time: findByTime (binary search over 8-byte reads)
//         + readRange, the reader opened once as a server would hold it; p50/p99 over N lookups.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Layout } from '../src/paths.js';
import { SCAN_CHUNK_BYTES, StoreReader } from '../src/store/reader.js';
import { SplitMix32 } from '../src/sim/generator.js';
import type { RawCache } from './dataset.js';
import { dropPageCache, median, percentile, seconds } from './measure.js';

export interface ScanResult {
  bytes: number;
  records: number;
  chunkBytes: number;
  warm: {
    scanSeconds: number; rawSeconds: number; scanGBps: number; rawGBps: number; ratio: number; scanRecordsPerSec: number;
    /** The reader alone: chunks delivered, no field read. */
    readerSeconds: number; readerRatio: number;
  };
  cold: { scanSeconds: number; rawSeconds: number; scanGBps: number; rawGBps: number; ratio: number } | undefined;
}

export interface LookupResult {
  symbol: string;
  timeframe: string;
  records: number;
  window: number;
  lookups: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Windows shorter than `window` (the store holds fewer records than that). */
  shortWindows: number;
}

/** Where the loops' results go, so no engine can drop them. */
let sink = 0;

export async function measureScan(data: RawCache, reps: number): Promise<ScanResult> {
  const layout = new Layout(data.root);
  const symbols = data.spec.symbols.map((s) => s.name);
  const bytes = symbols.reduce((n, s) => n + statSync(layout.aggregateStore(s)).size, 0);
  let records = 0;
  const scanAll = async () => {
    records = 0;
    for (const s of symbols) records += await scanStore(layout, s, true);
  };
  const readerAll = async () => {
    for (const s of symbols) await scanStore(layout, s, false);
  };
  const buf = Buffer.allocUnsafeSlow(SCAN_CHUNK_BYTES);
  const rawAll = () => {
    for (const s of symbols) rawRead(layout.aggregateStore(s), buf);
  };
  const gbps = (s: number) => bytes / 1e9 / s;
  // Cold first, so the warm repetitions leave the stores in the page cache for the sections after this one.
  let cold: ScanResult['cold'];
  if (dropPageCache()) {
    const scanSeconds = await seconds(scanAll);
    dropPageCache();
    const rawSeconds = await seconds(rawAll);
    cold = { scanSeconds, rawSeconds, scanGBps: gbps(scanSeconds), rawGBps: gbps(rawSeconds), ratio: rawSeconds / scanSeconds };
  }
  const scans: number[] = [];
  const raws: number[] = [];
  const readers: number[] = [];
  await scanAll(); // warm the page cache and the JIT
  await readerAll();
  rawAll();
  for (let i = 0; i < reps; i++) {
    scans.push(await seconds(scanAll));
    raws.push(await seconds(rawAll));
    readers.push(await seconds(readerAll));
  }
  const warmScan = median(scans);
  const warmRaw = median(raws);
  const warmReader = median(readers);
  return {
    bytes,
    records,
    chunkBytes: SCAN_CHUNK_BYTES,
    warm: {
      scanSeconds: warmScan, rawSeconds: warmRaw, scanGBps: gbps(warmScan), rawGBps: gbps(warmRaw), ratio: warmRaw / warmScan, scanRecordsPerSec: records / warmScan,
      readerSeconds: warmReader, readerRatio: warmRaw / warmReader,
    },
    cold,
  };
}

/** Every record's ts, OHLCV and src (or, without `fields`, only each chunk), through the store's reader; returns the record count. */
async function scanStore(layout: Layout, symbol: string, fields: boolean): Promise<number> {
  const { reader } = await StoreReader.openIndexed(layout.aggregateStore(symbol), layout.aggregateIndex(symbol), { stage: 'Verify' });
  let n = 0;
  let acc = 0;
  try {
    for await (const c of reader.scanChunks({ chunkBytes: SCAN_CHUNK_BYTES })) {
      if (fields) for (let i = 0; i < c.count; i++) acc += c.ts(i) + c.open(i) + c.high(i) + c.low(i) + c.close(i) + c.volume(i) + c.src(i);
      else acc += c.buf[0];
      n += c.count;
    }
  } finally {
    await reader.close();
  }
  sink += acc;
  return n;
}

/** The floor: the file's bytes into one reused buffer, nothing else. */
function rawRead(file: string, buf: Buffer): void {
  const fd = openSync(file, 'r');
  try {
    let pos = 0;
    for (let got = readSync(fd, buf, 0, buf.length, pos); got > 0; got = readSync(fd, buf, 0, buf.length, pos)) pos += got;
  } finally {
    closeSync(fd);
  }
}

export async function measureLookup(layout: Layout, symbol: string, timeframe: string, window: number, lookups: number): Promise<LookupResult> {
  const { reader } = timeframe === '1m'
    ? await StoreReader.openIndexed(layout.aggregateStore(symbol), layout.aggregateIndex(symbol), { stage: 'Verify' })
    : await StoreReader.openIndexed(layout.resampleStore(timeframe, symbol), layout.resampleIndex(timeframe, symbol), { stage: 'Verify' });
  try {
    const n = reader.recordCount;
    const first = await reader.tsAt(0);
    const last = await reader.tsAt(n - 1);
    const rng = new SplitMix32(0x5eed);
    const times = new Float64Array(lookups);
    let shortWindows = 0;
    let acc = 0;
    for (let k = -100; k < lookups; k++) {
      const ts = first + Math.floor(rng.next() * (last - first + 1));
      const t0 = performance.now();
      const i = await reader.findByTime(ts);
      const chunk = await reader.readRange(Math.max(0, Math.min(i, n - window)), window);
      acc += chunk.count > 0 ? chunk.close(chunk.count - 1) : 0;
      const dt = performance.now() - t0;
      if (k < 0) continue; // warm-up
      times[k] = dt;
      if (chunk.count < window) shortWindows++;
    }
    sink += acc;
    times.sort();
    return {
      symbol,
      timeframe,
      records: n,
      window,
      lookups,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      meanMs: times.reduce((a, b) => a + b, 0) / lookups,
      maxMs: times[lookups - 1],
      shortWindows,
    };
  } finally {
    await reader.close();
  }
}
