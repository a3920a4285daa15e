// The bench's output: one row per figure (ours, target, ours ÷ target oriented so ≥ 1 means met, the
// reference project's figure beside it), printed as a Markdown table and written with every raw
// measurement to bench/results.json.
import type { ApiResult } from './api.js';
import { writeFileSync } from 'node:fs';
import { REFERENCE, TARGETS, type Target } from './config.js';
import type { ColdResult } from './cold.js';
import type { CliRun, IncrementalResult } from './incremental.js';
import type { Machine } from './measure.js';
import type { PeerResult } from './duckdb.js';
import type { ExportResult } from './export.js';
import type { LookupResult, ScanResult } from './scan.js';
import type { Probes } from './probes.js';
import type { ProfileSummary } from './profile.js';

export interface Results {
  date: string;
  preset: string;
  machine: Machine;
  loadAvgAtEnd: number[];
  benchSeconds: number;
  datasets: Record<string, unknown>;
  cold?: ColdResult;
  small?: ColdResult;
  incremental?: IncrementalResult;
  peer?: PeerResult;
  export?: ExportResult;
  scan?: ScanResult;
  lookups?: LookupResult[];
  probes?: Probes;
  api?: ApiResult;
  profiles?: ProfileSummary[];
  failures: { section: string; message: string }[];
  rows?: Row[];
}

export interface Row {
  section: string;
  figure: string;
  ours: string;
  target: string;
  /** Ours ÷ target, oriented so that ≥ 1 means the target is met; undefined for context rows. */
  ratio?: number;
  reference: string;
}

const M = (x: number) => `${(x / 1e6).toFixed(2)}M`;
const s3 = (x: number) => `${x.toFixed(3)} s`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const MiB = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

function ratio(t: Target, value: number): number {
  return t.higher ? value / t.value : t.value / value;
}

export function buildRows(r: Results): Row[] {
  const rows: Row[] = [];
  const add = (section: string, figure: string, ours: string, target?: Target, value?: number, reference = '') =>
    rows.push({ section, figure, ours, target: target?.text ?? '', ratio: target && value !== undefined ? ratio(target, value) : undefined, reference });
  if (r.cold) {
    const w = r.cold.warm;
    const c = '1 cold pipeline';
    const busy = (f: { coresBusy: number; candlesPerCpuSec: number }) => ` · ${f.coresBusy.toFixed(2)} cores busy, ${M(f.candlesPerCpuSec)}/CPU-s`;
    // Transform and aggregate targets: the stage-by-stage repetitions (a cold run fuses them into one pass).
    const sbs = r.cold.stageByStage;
    const apart = (stage: 'transform' | 'aggregate') => sbs?.[stage] ?? w[stage];
    const t = apart('transform');
    const a = apart('aggregate');
    const how = sbs ? ', stage by stage' : '';
    if (t) add(c, `transform (2 worker threads${how})`, `${M(t.candlesPerSec)} candles/s · ${t.mbPerSec.toFixed(0)} MB/s JSON · ${s3(t.seconds)}${busy(t)}`, TARGETS.transform, t.candlesPerSec, REFERENCE.transform);
    if (a) add(c, `aggregate${sbs ? ' (stage by stage: day files read back)' : ''}`, `${(a.mbPerSec / 1000).toFixed(2)} GB/s · ${M(a.candlesPerSec)} candles/s · ${s3(a.seconds)}${busy(a)}`, TARGETS.aggregate, a.mbPerSec * 1e6, REFERENCE.aggregate);
    if (w.fused) {
      const sum = t && a ? ` (stage by stage: ${s3(t.seconds + a.seconds)})` : '';
      add(c, 'transform + aggregate fused (cold run: one pass a symbol)', `${M(w.fused.candlesPerSec)} candles/s · ${w.fused.mbPerSec.toFixed(0)} MB/s JSON · ${s3(w.fused.seconds)}${sum}${busy(w.fused)}`);
    }
    add(c, 'resample, all 9 timeframes', `${M(w.resample.candlesPerSec)} 1m candles/s · ${w.resample.mbPerSec.toFixed(0)} MB/s · ${s3(w.resample.seconds)}${busy(w.resample)}`, TARGETS.resample, w.resample.candlesPerSec, REFERENCE.resample);
    add(c, 'end to end (warm page cache)', `${M(w.endToEnd.candlesPerSec)} candles/s · ${w.endToEnd.mbPerSec.toFixed(0)} MB/s JSON · ${s3(w.endToEnd.seconds)} for ${M(r.cold.candles1m)} candles${busy(w.endToEnd)}`, TARGETS.coldEndToEnd, w.endToEnd.candlesPerSec, REFERENCE.coldEndToEnd);
    if (sbs) add(c, 'end to end, stage by stage (warm)', `${M(sbs.endToEnd.candlesPerSec)} candles/s · ${s3(sbs.endToEnd.seconds)}${busy(sbs.endToEnd)}`);
    if (r.cold.cold) {
      const first = r.cold.cold.fused ?? r.cold.cold.transform;
      add(c, 'end to end (page cache dropped)', `${M(r.cold.cold.endToEnd.candlesPerSec)} candles/s · ${s3(r.cold.cold.endToEnd.seconds)}${first ? ` (${r.cold.cold.fused ? 'fused pass' : 'transform'} ${M(first.candlesPerSec)}/s)` : ''}`);
    }
    add(c, 'whole process (start-up included)', `${s3(w.processSeconds)}`);
  }
  if (r.incremental) {
    const i = r.incremental;
    const c = '2 incremental';
    const what = `${i.symbols} symbols × 1 day, all TFs`;
    const last = i.steps[i.steps.length - 1].withoutDownload.stages;
    add(c, `${what}, download excluded`, `${s3(i.median.withoutDownload)} (in-process ${s3(i.median.inProcessWithoutDownload)}; last step ${Object.entries(last).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')})`, TARGETS.incremental, i.median.withoutDownload, REFERENCE.incremental);
    add(c, `${what}, download included`, s3(i.median.withDownload), undefined, undefined, REFERENCE.incremental);
    add(c, 'incremental ÷ full build from cache', `${pct(i.ratioToFullBuild)} of ${s3(i.fullBuild.fromCache.wallSeconds)} (${i.symbols} × ${i.historyDays} days, ${M(i.storeCandles)} candles)`);
    const l = i.longHistory;
    const lastLong = l.steps[l.steps.length - 1].stages;
    add(c, `${what}, download excluded, ${l.historyDays} days of history`, `${s3(l.median.withoutDownload)} (in-process ${s3(l.median.inProcessWithoutDownload)}; last step ${Object.entries(lastLong).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}; ${M(l.storeCandles)} candles, full build ${s3(l.fullBuildFromCache.wallSeconds)})`, TARGETS.incremental, l.median.withoutDownload);
    const noop = (n: CliRun) => `${s3(n.wallSeconds)} (in-process ${s3(n.inProcessSeconds)}: ${Object.entries(n.stages).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')})`;
    add(c, `no-op run (nothing new), download excluded, ${i.historyDays} days`, noop(i.noopRun), TARGETS.noopRun, i.noopRun.wallSeconds);
    add(c, `no-op run (nothing new), download excluded, ${l.historyDays} days`, noop(l.noopRun), TARGETS.noopRun, l.noopRun.wallSeconds);
    add(c, 'CLI start-up (`candlestore --version`)', s3(i.cliStartupSeconds), TARGETS.cliStartup, i.cliStartupSeconds);
    add(c, 'node start-up floor (`node -e 0`)', s3(i.nodeFloorSeconds));
    add(c, 'download-included and -excluded roots byte-identical', i.identical ? 'yes' : 'NO');
  }
  if (r.peer) {
    const p = r.peer;
    const c = '3 peer (DuckDB)';
    add(c, `DuckDB ${p.duckdbVersion} load (excluded)`, `${s3(p.loadSeconds)} for ${M(p.rows1m)} rows`);
    add(c, '5m+1h+1d from 1m: DuckDB ÷ ours', `${p.speedup.toFixed(2)}× (ours ${s3(p.oursSeconds)} ÷ DuckDB ${s3(p.duckdbSeconds)} = ${(1 / p.speedup).toFixed(2)}; ours cascaded ${s3(p.oursCascadeSeconds)})`, TARGETS.vsDuckdb, p.speedup);
    const bars = p.check.filter((x) => x.files === 'same-work').reduce((n, x) => n + x.bars, 0);
    const bad = p.check.reduce((n, x) => n + x.mismatches + Math.abs(x.bars - x.duckdbBars), 0);
    add(c, 'same bars (count, ts, OHLC, volume, count)', `${bad === 0 ? 'yes' : `NO: ${bad} differences`}: ${bars.toLocaleString('en-US')} bars × 2 file sets`);
  }
  if (r.export) {
    const e = r.export;
    const c = '8 export';
    const fig = (f: { rowsPerSec: number; seconds: number; bytes: number }) => `${M(f.rowsPerSec)} rows/s (${s3(f.seconds)}, ${(f.bytes / 1e6).toFixed(0)} MB)`;
    add(c, `DuckDB ${e.duckdbVersion} load (excluded)`, `${s3(e.loadSeconds)} for ${M(e.rows)} rows of ${e.series} series (1m + every timeframe)`);
    add(c, 'CSV: ours ÷ DuckDB COPY', `${e.csv.ratio.toFixed(2)}×: ours ${fig(e.csv.ours)}, DuckDB ${fig(e.csv.duckdb)}`, TARGETS.exportCsv, e.csv.ratio);
    add(c, 'Parquet zstd, one file: ours ÷ DuckDB COPY', `${e.parquet.ratio.toFixed(2)}×: ours ${fig(e.parquet.ours)}, DuckDB ${fig(e.parquet.duckdb)}`, TARGETS.exportParquet, e.parquet.ratio);
    add(c, 'Parquet zstd, Hive partitions (a thread per file from 1M rows) ÷ DuckDB COPY', `${e.parquet.ratioPartitioned.toFixed(2)}×: ours ${fig(e.parquet.oursPartitioned)}`, TARGETS.exportParquet, e.parquet.ratioPartitioned);
    add(c, 'peak RSS of a Parquet export', `${MiB(e.rss.fifthKb)} for ${M(e.rss.fifthRows)} rows → ${MiB(e.rss.allKb)} for ${M(e.rows)}: ×${e.rss.growth.toFixed(2)}`, TARGETS.exportRss, e.rss.growth);
  }
  if (r.scan) {
    const s = r.scan;
    const c = '4 physical limit';
    add(c, 'store scan ÷ raw read (warm)', `${pct(s.warm.ratio)}: scan ${s.warm.scanGBps.toFixed(2)} GB/s (${M(s.warm.scanRecordsPerSec)} rec/s), raw ${s.warm.rawGBps.toFixed(2)} GB/s`, TARGETS.scanVsRaw, s.warm.ratio);
    if (s.warm.readerRatio !== undefined) add(c, 'reader alone (chunks delivered, no field read) ÷ raw read (warm)', `${pct(s.warm.readerRatio)} (${(s.chunkBytes / 1024).toFixed(0)} KiB chunks, same for the raw read)`);
    if (s.cold) add(c, 'store scan ÷ raw read (page cache dropped)', `${pct(s.cold.ratio)}: scan ${s.cold.scanGBps.toFixed(2)} GB/s, raw ${s.cold.rawGBps.toFixed(2)} GB/s`);
  }
  for (const l of r.lookups ?? []) {
    add('5 random access', `${l.window}-candle window, ${l.timeframe} store (${M(l.records)} records)`, `p50 ${l.p50Ms.toFixed(3)} ms · p99 ${l.p99Ms.toFixed(3)} ms${l.shortWindows ? ` (${l.shortWindows} windows short: store smaller than the window)` : ''}`, TARGETS.lookupP50, l.p50Ms, l.timeframe === '1m' ? REFERENCE.lookup : '');
  }
  if (r.cold && r.small) {
    const big = r.cold.warm.maxRssKb;
    const small = r.small.warm.maxRssKb;
    const growth = big / small;
    const dataGrowth = r.cold.candles1m / r.small.candles1m;
    add('6 memory', 'peak RSS of a full rebuild', `${MiB(small)} at ${M(r.small.candles1m)} candles → ${MiB(big)} at ${M(r.cold.candles1m)} (${dataGrowth.toFixed(1)}× data): ×${growth.toFixed(2)}`, TARGETS.rssGrowth, growth);
    // The last repetition of the default (fused) path: the one whose peak RSS the row above compares.
    const perStage = (c: ColdResult) => [...c.reps].reverse().find((x) => !x.stageByStage)!.child.stages.map((x) => `${x.stage} ${MiB(x.rssPeakKb)}`).join(', ');
    add('6 memory', 'peak RSS per stage, small → large', `${perStage(r.small)} → ${perStage(r.cold)}`);
  }
  if (r.probes) {
    const p = r.probes;
    add('floors (1 core)', 'JSON.parse of real days', `${p.jsonParse.daysPerSec.toFixed(0)} days/s · ${M(p.jsonParse.candlesPerSec)} candles/s · ${p.jsonParse.mbPerSec.toFixed(0)} MB/s`, undefined, undefined, '~3.5k days/s/core (issue #5)');
    add('floors (1 core)', 'plain JS loop over 64-byte records', `${M(p.recordLoop.recordsPerSec)} records/s · ${p.recordLoop.gbPerSec.toFixed(2)} GB/s`, undefined, undefined, '~15M rows/s/core (issue #5)');
  }
  for (const f of r.failures) rows.push({ section: f.section, figure: 'FAILED', ours: f.message.split('\n')[0], target: '', reference: '' });
  if (r.api) {
    const a = r.api;
    const c = '7 API';
    const ms = (x: number) => `${x.toFixed(2)} ms`;
    add(c, `1000 1m candles as JSON, 1 connection (${a.symbol})`, `p50 ${ms(a.candles.p50Ms)}`, TARGETS.apiP50, a.candles.p50Ms, REFERENCE.api);
    add(c, '… p99', `p99 ${ms(a.candles.p99Ms)}`, TARGETS.apiP99, a.candles.p99Ms);
    add(c, '… with sma(20), rsi(14), macd(12,26,9)', `p50 ${ms(a.candlesWithIndicators.p50Ms)} · p99 ${ms(a.candlesWithIndicators.p99Ms)}`, TARGETS.apiIndicatorsP50, a.candlesWithIndicators.p50Ms);
    add(c, '1000-candle queries, 16 connections', `${a.reqPerSec16.toFixed(0)} req/s`, TARGETS.apiReqPerSec, a.reqPerSec16);
    const growth = a.rssKb.end / a.rssKb.afterWarmup;
    add(c, `server RSS over ${a.rssKb.requests} requests`, `${MiB(a.rssKb.afterWarmup)} → ${MiB(a.rssKb.end)} (×${growth.toFixed(2)})`, TARGETS.apiRssFlat, growth);
    if (a.storeLength) {
      const l = a.storeLength;
      add(c, `p50 on ${l.largeYears.toFixed(1)} vs ${l.smallYears.toFixed(1)} years of 1m`, `${ms(l.largeP50Ms)} vs ${ms(l.smallP50Ms)}`, TARGETS.apiStoreLength, l.largeP50Ms / l.smallP50Ms);
    }
  }
  return rows;
}

export function formatTable(rows: readonly Row[]): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const lines = ['| # | figure | ours | target | ours ÷ target | reference (DESIGN §9) |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const met = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)} ${r.ratio >= 1 ? '✓' : '✗'}`;
    lines.push(`| ${cell(r.section)} | ${cell(r.figure)} | ${cell(r.ours)} | ${cell(r.target)} | ${met} | ${cell(r.reference)} |`);
  }
  return lines.join('\n');
}

export function writeResults(file: string, r: Results): void {
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
}
