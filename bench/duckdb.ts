// §3 Peer: DuckDB (@duckdb/node-api, 2 threads, in-memory) computes 5m, 1h and 1d bars from the same 1m
// data — `time_bucket` + `arg_min/arg_max` GROUP BY, each from 1m — and candlestore's resample stage does
// the same work on the same stores (a config with exactly those three timeframes, each from 1m), in the
// same process, one after the other. Load time (the 1m stores appended into a DuckDB table) is reported
// apart and excluded from DuckDB's figure; candlestore's figure includes reading its stores and writing,
// fsyncing and indexing its files. Then every bar is compared: counts per symbol and timeframe, ts, OHLC
// and count exactly (count only where built from 1m: elsewhere it counts source bars), volume to 1e-9 relative (DuckDB sums doubles in its own order).
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, type DuckDBConnection } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import { buildContext } from '../src/pipeline/context.js';
import { resampleStage } from '../src/pipeline/stages.js';
import { Layout } from '../src/paths.js';
import { StoreReader } from '../src/store/reader.js';
import { FLAG_OPEN, RECORD_SIZE, R_COUNT, R_FLAGS } from '../src/store/format.js';
import type { RawCache } from './dataset.js';
import { median, seconds } from './measure.js';

export const PEER_TIMEFRAMES = [
  { name: '5m', interval: '5 minutes' },
  { name: '1h', interval: '1 hour' },
  { name: '1d', interval: '1 day' },
] as const;

export interface PeerResult {
  rows1m: number;
  duckdbVersion: string;
  threads: number;
  loadSeconds: number;
  /** Per repetition: the three queries' seconds. */
  duckdbReps: Record<string, number>[];
  duckdbSeconds: number;
  /** candlestore, 5m/1h/1d each from 1m (the same work). */
  oursSeconds: number;
  oursReps: number[];
  /** candlestore, 5m←1m, 1h←5m, 1d←1h (its natural cascade), for context. */
  oursCascadeSeconds: number;
  /** duckdbSeconds / oursSeconds: > 1 means candlestore is faster. */
  speedup: number;
  check: BarCheck[];
}

export interface BarCheck {
  /** Which candlestore files: the same-work root, or the default cascade of the main root. */
  files: 'same-work' | 'default-cascade';
  timeframe: string;
  bars: number;
  duckdbBars: number;
  mismatches: number;
  examples: string[];
  maxVolumeRelDiff: number;
}

export async function measurePeer(data: RawCache, reps: number, log: (line: string) => void): Promise<PeerResult> {
  const symbols = data.spec.symbols.map((s) => s.name);
  const main = new Layout(data.root);
  const threads = 2;
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await instance.connect();
  try {
    const duckdbVersion = String((await con.runAndReadAll('SELECT version()')).getRows()[0][0]);
    let rows1m = 0;
    const loadSeconds = await seconds(async () => (rows1m = await load(con, main, symbols)));
    log(`  duckdb ${duckdbVersion}: loaded ${rows1m.toLocaleString('en-US')} 1m rows in ${loadSeconds.toFixed(2)} s`);

    const sameWork = peerRoot(data, 'same-work', PEER_TIMEFRAMES.map((tf) => ({ name: tf.name, rule: tf.name, source: '1m' })));
    const cascade = peerRoot(data, 'cascade', [
      { name: '5m', rule: '5m', source: '1m' },
      { name: '1h', rule: '1h', source: '5m' },
      { name: '1d', rule: '1d', source: '1h' },
    ]);
    const duckdbReps: Record<string, number>[] = [];
    const oursReps: number[] = [];
    const cascadeReps: number[] = [];
    // Interleaved, so drift in the machine's load touches both sides alike.
    for (let i = 0; i < reps; i++) {
      const rep: Record<string, number> = {};
      for (const tf of PEER_TIMEFRAMES) {
        rep[tf.name] = await seconds(() =>
          con.run(`CREATE OR REPLACE TABLE r_${tf.name} AS
            SELECT sym, time_bucket(INTERVAL '${tf.interval}', ts) AS t,
                   arg_min(open, ts) AS open, max(high) AS high, min(low) AS low, arg_max(close, ts) AS close,
                   sum(volume) AS volume, count(*)::INTEGER AS n
            FROM m1 GROUP BY sym, t`),
        );
      }
      duckdbReps.push(rep);
      oursReps.push(await resampleRoot(sameWork));
      cascadeReps.push(await resampleRoot(cascade));
      const d = Object.values(rep).reduce((a, b) => a + b, 0);
      log(`  peer rep ${i + 1}: duckdb ${d.toFixed(3)} s, candlestore ${oursReps[i].toFixed(3)} s (cascade ${cascadeReps[i].toFixed(3)} s)`);
    }
    const duckdbSeconds = median(duckdbReps.map((r) => Object.values(r).reduce((a, b) => a + b, 0)));
    const oursSeconds = median(oursReps);
    const check: BarCheck[] = [];
    for (const tf of PEER_TIMEFRAMES) {
      check.push(await compare(con, tf.name, new Layout(sameWork), symbols, 'same-work'));
      check.push(await compare(con, tf.name, main, symbols, 'default-cascade'));
    }
    return {
      rows1m,
      duckdbVersion,
      threads,
      loadSeconds,
      duckdbReps,
      duckdbSeconds,
      oursSeconds,
      oursReps,
      oursCascadeSeconds: median(cascadeReps),
      speedup: duckdbSeconds / oursSeconds,
      check,
    };
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/**
 * Append every 1m store into `m1(sym, ts TIMESTAMP, open, high, low, close, volume)`; returns the row count.
 * Columns are filled as typed arrays and copied into the appender's chunk vectors in one call each
 * (@duckdb/node-bindings, which @duckdb/node-api pins): the value-by-value API costs ~5 µs a row.
 */
async function load(con: DuckDBConnection, layout: Layout, symbols: readonly string[]): Promise<number> {
  await con.run('CREATE TABLE m1_raw (sym INTEGER, ts DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)');
  const appender = await con.createAppender('m1_raw');
  const chunk = DuckDBDataChunk.create([INTEGER, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE]);
  const rowsPerChunk = bindings.vector_size();
  const sym = new Int32Array(rowsPerChunk);
  const cols = Array.from({ length: 6 }, () => new Float64Array(rowsPerChunk));
  const [ts, open, high, low, close, volume] = cols;
  let rows = 0;
  for (let s = 0; s < symbols.length; s++) {
    sym.fill(s);
    const { reader } = await StoreReader.openIndexed(layout.aggregateStore(symbols[s]), layout.aggregateIndex(symbols[s]), { stage: 'Verify' });
    try {
      for await (const c of reader.scan()) {
        for (let from = 0; from < c.count; from += rowsPerChunk) {
          const n = Math.min(rowsPerChunk, c.count - from);
          for (let j = 0; j < n; j++) {
            const i = from + j;
            ts[j] = c.ts(i);
            open[j] = c.open(i);
            high[j] = c.high(i);
            low[j] = c.low(i);
            close[j] = c.close(i);
            volume[j] = c.volume(i);
          }
          chunk.rowCount = n;
          bindings.copy_data_to_vector(bindings.data_chunk_get_vector(chunk.chunk, 0), 0, sym.buffer, 0, n * 4);
          for (let k = 0; k < 6; k++) bindings.copy_data_to_vector(bindings.data_chunk_get_vector(chunk.chunk, k + 1), 0, cols[k].buffer, 0, n * 8);
          appender.appendDataChunk(chunk);
        }
        rows += c.count;
      }
    } finally {
      await reader.close();
    }
  }
  appender.closeSync();
  await con.run('CREATE TABLE m1 AS SELECT sym, epoch_ms(ts::BIGINT) AS ts, open, high, low, close, volume FROM m1_raw');
  await con.run('DROP TABLE m1_raw');
  return rows;
}

/** A root whose data/aggregate is the main root's (a symlink) and whose config has `timeframes`. */
function peerRoot(data: RawCache, name: string, timeframes: { name: string; rule: string; source: string }[]): string {
  const root = `${data.root}-peer-${name}`;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'data'), { recursive: true });
  symlinkSync(join(data.root, 'data', 'aggregate'), join(root, 'data', 'aggregate'));
  writeFileSync(join(root, 'symbols.txt'), `${data.spec.symbols.map((s) => s.name).join('\n')}\n`);
  writeFileSync(join(root, 'config.yaml'), `resample:\n  timeframes:\n${timeframes.map((tf) => `    - { name: ${tf.name}, rule: ${tf.rule}, source: ${tf.source} }`).join('\n')}\n`);
  return root;
}

/** The Resample stage of `run` over `root`, from scratch (worker threads as configured: one per core). */
async function resampleRoot(root: string): Promise<number> {
  rmSync(join(root, 'data', 'resample'), { recursive: true, force: true });
  const ctx = await buildContext({ root, quiet: true });
  return seconds(() => resampleStage(ctx).run(new AbortController().signal));
}

/** Every bar of candlestore's `timeframe` files against DuckDB's r_{timeframe}, in (symbol, time) order. */
async function compare(con: DuckDBConnection, timeframe: string, layout: Layout, symbols: readonly string[], files: BarCheck['files']): Promise<BarCheck> {
  const check: BarCheck = { files, timeframe, bars: 0, duckdbBars: 0, mismatches: 0, examples: [], maxVolumeRelDiff: 0 };
  const miss = (what: string) => {
    check.mismatches++;
    if (check.examples.length < 5) check.examples.push(what);
  };
  for (let s = 0; s < symbols.length; s++) {
    const result = await con.stream(`SELECT epoch_ms(t)::DOUBLE, open, high, low, close, volume, n FROM r_${timeframe} WHERE sym = ${s} ORDER BY t`);
    const reader = await StoreReader.open(layout.resampleStore(timeframe, symbols[s]), { stage: 'Verify', expect: { symbol: symbols[s], timeframe } });
    try {
      const ours = reader.scan();
      let mine = await ours.next();
      let i = 0;
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const cols = [0, 1, 2, 3, 4, 5, 6].map((c) => chunk.getColumnVector(c));
        for (let j = 0; j < chunk.rowCount; j++) {
          check.duckdbBars++;
          while (!mine.done && i >= mine.value.count) {
            mine = await ours.next();
            i = 0;
          }
          if (mine.done) {
            miss(`${symbols[s]} ${timeframe}: DuckDB has a bar at ${iso(cols[0].getItem(j) as number)} after candlestore's last`);
            continue;
          }
          const c = mine.value;
          check.bars++;
          const d = [cols[0].getItem(j), cols[1].getItem(j), cols[2].getItem(j), cols[3].getItem(j), cols[4].getItem(j), cols[5].getItem(j), cols[6].getItem(j)] as number[];
          const o = [c.ts(i), c.open(i), c.high(i), c.low(i), c.close(i), c.volume(i)];
          const count = c.buf.readUInt32LE(i * RECORD_SIZE + R_COUNT);
          const rel = Math.abs(d[5] - o[5]) / Math.max(Math.abs(d[5]), 1e-300);
          check.maxVolumeRelDiff = Math.max(check.maxVolumeRelDiff, rel);
          // `count` is source rows: 1m rows only where the source is 1m (the same-work files).
          if (d[0] !== o[0] || d[1] !== o[1] || d[2] !== o[2] || d[3] !== o[3] || d[4] !== o[4] || rel > 1e-9 || (files === 'same-work' && d[6] !== count)) {
            miss(`${symbols[s]} ${timeframe} ${iso(d[0])}: duckdb [${d.join(', ')}] vs candlestore [${[...o.slice(0, 6), count].join(', ')}]${isOpen(c.buf, i) ? ' (open bar)' : ''}`);
          }
          i++;
        }
      }
      // candlestore bars left over
      for (; !mine.done; mine = await ours.next(), i = 0) {
        for (; i < mine.value.count; i++) {
          check.bars++;
          miss(`${symbols[s]} ${timeframe}: candlestore has a bar at ${iso(mine.value.ts(i))} that DuckDB has not`);
        }
      }
    } finally {
      await reader.close();
    }
  }
  return check;
}

function isOpen(buf: Buffer, i: number): boolean {
  return (buf.readUInt16LE(i * RECORD_SIZE + R_FLAGS) & FLAG_OPEN) !== 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
