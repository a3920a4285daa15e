// §8 Export: `candlestore build` of every committed row of the main dataset (1m and every timeframe of
// every symbol) to one CSV file, to one Parquet file (zstd) and to Hive partitions (zstd, one worker per
// partition), each in a fresh child process of the compiled CLI; against DuckDB's own `COPY … TO` of the
// same rows from a table loaded from the same stores (2 threads, in memory; the load is excluded), in the
// same run, interleaved. Rows/s of ours use the build's own elapsed time (its summary line: planning,
// reading, encoding, fsync and rename; node start-up excluded, reported apart). DuckDB's COPY does not
// fsync its file; ours does (durable before renamed), so on a slow disk the ratio understates the encoder. Peak RSS: GNU time of the
// child, for the last fifth of the data and for all of it (flat = memory does not grow with the rows).
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, type DuckDBConnection } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';
import { openStore } from '../src/store/open.js';
import type { RawCache } from './dataset.js';
import { median, runNode, seconds } from './measure.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

export interface ExportFigure {
  /** Median seconds of the build (its own summary line) or of DuckDB's COPY. */
  seconds: number;
  rowsPerSec: number;
  bytes: number;
  /** Child process wall seconds (node start-up included); ours only. */
  processSeconds?: number;
  maxRssKb?: number;
}

export interface ExportResult {
  rows: number;
  series: number;
  duckdbVersion: string;
  loadSeconds: number;
  csv: { ours: ExportFigure; duckdb: ExportFigure; ratio: number };
  parquet: { ours: ExportFigure; oursPartitioned: ExportFigure; duckdb: ExportFigure; ratio: number; ratioPartitioned: number };
  rss: { fifthRows: number; fifthKb: number; allKb: number; growth: number };
}

export async function measureExport(data: RawCache, reps: number, log: (line: string) => void): Promise<ExportResult> {
  const out = join(data.root, '..', `${data.spec.name}-export`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await instance.connect();
  try {
    const duckdbVersion = String((await con.runAndReadAll('SELECT version()')).getRows()[0][0]);
    let loaded = { rows: 0, series: 0 };
    const loadSeconds = await seconds(async () => (loaded = await load(con, data.root)));
    log(`  duckdb ${duckdbVersion}: loaded ${loaded.rows.toLocaleString('en-US')} rows of ${loaded.series} series in ${loadSeconds.toFixed(2)} s`);

    const ours = async (args: string[], target: string): Promise<ExportFigure & { rows: number }> => {
      rmSync(target, { recursive: true, force: true });
      const r = await runNode([CLI, 'build', '--root', data.root, '--select', '*/*', ...args]);
      const m = /build: \d+ files? written, ([\d,]+) rows, .* in ([\d.]+) s/.exec(r.stdout);
      if (r.code !== 0 || !m) throw new Error(`build ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
      const rows = Number(m[1].replaceAll(',', ''));
      const secs = Number(m[2]);
      return { rows, seconds: secs, rowsPerSec: rows / secs, bytes: sizeOf(target), processSeconds: r.wallSeconds, maxRssKb: r.maxRssKb };
    };
    const duck = async (sql: string, target: string): Promise<ExportFigure> => {
      rmSync(target, { force: true });
      const secs = await seconds(() => con.run(sql.replace('$TARGET', target)));
      return { seconds: secs, rowsPerSec: loaded.rows / secs, bytes: sizeOf(target) };
    };

    const runs: Record<string, (ExportFigure & { rows?: number })[]> = { csv: [], duckCsv: [], parquet: [], part: [], duckParquet: [] };
    for (let i = 0; i < reps; i++) {
      runs.csv.push(await ours(['--csv', '--output', join(out, 'ours.csv')], join(out, 'ours.csv')));
      runs.duckCsv.push(await duck(`COPY bars TO '$TARGET' (FORMAT csv, HEADER)`, join(out, 'duckdb.csv')));
      runs.parquet.push(await ours(['--output', join(out, 'ours.parquet')], join(out, 'ours.parquet')));
      runs.part.push(await ours(['--output-dir', join(out, 'lake'), '--partition'], join(out, 'lake')));
      runs.duckParquet.push(await duck(`COPY bars TO '$TARGET' (FORMAT parquet, COMPRESSION zstd)`, join(out, 'duckdb.parquet')));
      log(`  export rep ${i + 1}: CSV ours ${runs.csv[i].seconds.toFixed(2)} s, DuckDB ${runs.duckCsv[i].seconds.toFixed(2)} s; Parquet ours ${runs.parquet[i].seconds.toFixed(2)} s (partitioned ${runs.part[i].seconds.toFixed(2)} s), DuckDB ${runs.duckParquet[i].seconds.toFixed(2)} s`);
    }
    for (const r of [...runs.csv, ...runs.parquet, ...runs.part]) {
      if (r.rows !== loaded.rows) throw new Error(`build exported ${r.rows} rows, the stores hold ${loaded.rows}`);
    }
    const pick = (xs: ExportFigure[]): ExportFigure => {
      const s = median(xs.map((x) => x.seconds));
      const at = xs.find((x) => x.seconds === s) ?? xs[0];
      return { ...at, seconds: s, rowsPerSec: loaded.rows / s, maxRssKb: Math.max(...xs.map((x) => x.maxRssKb ?? 0)) || undefined };
    };
    const csv = { ours: pick(runs.csv), duckdb: pick(runs.duckCsv) };
    const parquet = { ours: pick(runs.parquet), oursPartitioned: pick(runs.part), duckdb: pick(runs.duckParquet) };

    // Memory: the same Parquet export of the last fifth of the time span.
    const store = await openStore(data.root);
    const s0 = await store.series(data.spec.symbols[0].name, '1m');
    const span = [s0.info.firstTime!, s0.info.lastTime!];
    await s0.close();
    const after = String(Math.floor(span[0] + (span[1] - span[0]) * 0.8));
    const fifth = await ours(['--output', join(out, 'fifth.parquet'), '--after', after], join(out, 'fifth.parquet'));
    const allKb = parquet.ours.maxRssKb ?? 0;
    return {
      rows: loaded.rows,
      series: loaded.series,
      duckdbVersion,
      loadSeconds,
      csv: { ...csv, ratio: csv.ours.rowsPerSec / csv.duckdb.rowsPerSec },
      parquet: { ...parquet, ratio: parquet.ours.rowsPerSec / parquet.duckdb.rowsPerSec, ratioPartitioned: parquet.oursPartitioned.rowsPerSec / parquet.duckdb.rowsPerSec },
      rss: { fifthRows: fifth.rows, fifthKb: fifth.maxRssKb ?? 0, allKb, growth: fifth.maxRssKb ? allKb / fifth.maxRssKb : Number.NaN },
    };
  } finally {
    con.closeSync();
    instance.closeSync();
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * `bars(symbol, timeframe, time, open, high, low, close, volume)` with every committed row of every series,
 * in export order; filled through openStore and the appender's vector copies (see duckdb.ts's load).
 */
async function load(con: DuckDBConnection, root: string): Promise<{ rows: number; series: number }> {
  await con.run('CREATE TABLE raw (s INTEGER, ts DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)');
  await con.run('CREATE TABLE names (s INTEGER, symbol VARCHAR, timeframe VARCHAR)');
  const appender = await con.createAppender('raw');
  const chunk = DuckDBDataChunk.create([INTEGER, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE]);
  const size = bindings.vector_size();
  const sid = new Int32Array(size);
  const cols = Array.from({ length: 6 }, () => new Float64Array(size));
  const store = await openStore(root);
  let rows = 0;
  let s = 0;
  for (const symbol of await store.symbols()) {
    for (const tf of await store.timeframes(symbol)) {
      const series = await store.series(symbol, tf);
      await con.run(`INSERT INTO names VALUES (${s}, '${series.info.fileSymbol}', '${tf}')`);
      sid.fill(s);
      for await (const c of series.chunks()) {
        for (let from = 0; from < c.count; from += size) {
          const n = Math.min(size, c.count - from);
          for (let j = 0; j < n; j++) {
            const i = from + j;
            cols[0][j] = c.time(i);
            cols[1][j] = c.open(i);
            cols[2][j] = c.high(i);
            cols[3][j] = c.low(i);
            cols[4][j] = c.close(i);
            cols[5][j] = c.volume(i);
          }
          chunk.rowCount = n;
          bindings.copy_data_to_vector(bindings.data_chunk_get_vector(chunk.chunk, 0), 0, sid.buffer, 0, n * 4);
          for (let k = 0; k < 6; k++) bindings.copy_data_to_vector(bindings.data_chunk_get_vector(chunk.chunk, k + 1), 0, cols[k].buffer, 0, n * 8);
          appender.appendDataChunk(chunk);
        }
        rows += c.count;
      }
      await series.close();
      s++;
    }
  }
  appender.closeSync();
  await con.run(`CREATE TABLE bars AS SELECT n.symbol, n.timeframe, make_timestamp((r.ts * 1000)::BIGINT) AS time, r.open, r.high, r.low, r.close, r.volume
    FROM raw r JOIN names n USING (s) ORDER BY r.s, r.ts`);
  await con.run('DROP TABLE raw');
  return { rows, series: s };
}

function sizeOf(path: string): number {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + sizeOf(join(path, name)), 0);
}
