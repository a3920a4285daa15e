// `candlestore build`: export selected series to Parquet, CSV or MT4 CSV. In order: check the arguments
// (exit 2 naming the one that is wrong), resolve selections against the committed stores, plan output files
// pinned to one snapshot, write each to a temp name (worker threads: one output file or partition per task),
// and only when all are complete rename them over their final names (then the incremental manifest). A build
// that fails removes its temps; one that is killed leaves only temp names, which the next build removes.
// It never takes the run lock: it reads committed records only, so it can run beside `run`.
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CandleError, ConfigError } from '../errors.js';
import { loadConfig } from '../config/load.js';
import { asWorkerReply, runTasks, siblingModule, threadCount } from '../workers/pool.js';
import { openStore } from '../store/open.js';
import { groupDigits } from '../util/digits.js';
import { fsyncDir, fsyncFd, removeStaleTemps } from '../util/fsx.js';
import { csvHeader } from './csvFormat.js';
import { entryOf, isUnchanged, readManifest, writeManifest, type PartitionEntry } from './manifest.js';
import { ROW_GROUP_ROWS, type Compression } from './parquet.js';
import { checkLayout, isPaired, partRows, planOutputs, type BuildLayout, type OutputKind, type OutputTask, type ReadMode } from './plan.js';
import { ONE_SIDED_LISTED, READ_SIDES, type ReadSide } from '../store/sides.js';
import { parseSelect, resolveSelections } from './select.js';
import { parseRange } from './timeArg.js';
import { writeOutput, type OutputResult } from './writeOutput.js';

export const COMPRESSIONS: readonly Compression[] = ['zstd', 'snappy', 'gzip', 'brotli', 'none'];

export interface BuildRequest {
  root: string;
  select: string[];
  after?: string;
  until?: string;
  parquet?: boolean;
  csv?: boolean;
  mt4?: boolean;
  output?: string;
  outputDir?: string;
  partition?: boolean;
  incremental?: boolean;
  compression?: string;
  force?: boolean;
  dryRun?: boolean;
  /** `bid` (default), `ask` or `mid` (store/sides.ts). */
  side?: string;
  /** Add the `spread` column (ask close − bid close). */
  spread?: boolean;
  /** Worker threads (0 = config's `workers`, which defaults to one per core). */
  threads?: number;
  log: (line: string) => void;
  warn: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuildSummary {
  files: { target: string; rows: number; bytes: number; skipped: boolean }[];
  rows: number;
  bytes: number;
  removed: string[];
  seconds: number;
}

const usage = (msg: string) => new ConfigError(msg, undefined, 'BAD_USAGE');

export async function build(req: BuildRequest): Promise<BuildSummary> {
  const started = performance.now();
  // 1. Arguments alone.
  if (req.select.length === 0) throw usage('nothing selected: give --select SYMBOL/TF (e.g. --select EUR-USD/1h or --select "*/*")');
  const specs = req.select.map(parseSelect);
  const range = parseRange(req.after, req.until);
  if (req.parquet && req.csv) throw usage('give either --parquet or --csv, not both');
  if (req.mt4 && req.parquet) throw usage('--mt4 writes MetaTrader CSV: it cannot be combined with --parquet');
  const kind: OutputKind = req.mt4 ? 'mt4' : req.csv ? 'csv' : 'parquet';
  const compression = (req.compression ?? (kind === 'parquet' ? 'zstd' : 'none')) as Compression;
  if (!COMPRESSIONS.includes(compression)) throw usage(`--compression ${req.compression}: want one of ${COMPRESSIONS.join(', ')}`);
  const side = parseReadSide(req.side ?? 'bid');
  if (kind === 'mt4' && req.spread) throw usage('--spread adds a column, and MetaTrader\'s import takes exactly date,time,open,high,low,close,volume: use --csv or --parquet for the spread');
  const read: ReadMode = { side, spread: req.spread ?? false };
  const root = resolve(req.root);
  const layout: BuildLayout = {
    read,
    kind,
    compression,
    output: req.output === undefined ? undefined : resolve(req.output),
    outputDir: req.outputDir === undefined ? undefined : resolve(req.outputDir),
    partition: req.partition ?? false,
  };
  checkLayout({ ...layout, incremental: req.incremental ?? false });
  const outPath = layout.output ?? layout.outputDir!;
  const outArg = req.output !== undefined ? '--output' : '--output-dir';
  refuseInsideRoot(root, outPath, outArg);
  if (layout.output !== undefined && existsSync(layout.output) && !isFile(layout.output)) throw usage(`--output ${req.output} is a directory; --output takes a file name (use --output-dir for a folder)`);
  if (layout.outputDir !== undefined && existsSync(layout.outputDir) && isFile(layout.outputDir)) throw usage(`--output-dir ${req.outputDir} is a file`);

  // 2. What exists, and what to write.
  const store = await openStore(root, { stage: 'Build' });
  const { config } = await loadConfig(root);
  const selections = await resolveSelections(store, specs, { force: req.force ?? false, warn: req.warn });
  const tasks = await planOutputs(store, config, selections, range, layout);
  reportOneSided(tasks, read, req.warn);
  const options = JSON.stringify({ kind, compression, select: [...req.select].sort(), after: range.after ?? null, until: range.until ?? null, ...(isPaired(read) || read.side !== 'bid' ? { side, spread: read.spread } : {}) });
  const previous = req.incremental ? readManifest(layout.outputDir!) : undefined;

  // 3. Existing outputs: replaced only with --force, or when an incremental manifest says they are ours.
  const todo: OutputTask[] = [];
  const kept: OutputTask[] = [];
  for (const t of tasks) {
    const exists = existsSync(t.target);
    if (req.incremental && exists && previous?.partitions[t.rel] && isUnchanged(previous, options, t)) {
      kept.push(t);
      continue;
    }
    if (exists && !req.force && !(req.incremental && previous?.partitions[t.rel])) {
      const more = tasks.filter((x) => existsSync(x.target)).length - 1;
      throw usage(`${outArg} ${req.output ?? req.outputDir}: ${t.target} exists${more > 0 ? ` (and ${more} more outputs)` : ''}; add --force to replace`);
    }
    todo.push(t);
  }
  const planned = new Set(tasks.map((t) => t.rel));
  const stale = previous ? Object.keys(previous.partitions).filter((rel) => !planned.has(rel)) : [];

  if (req.dryRun) {
    printPlan(req, tasks, kept, stale);
    return { files: tasks.map((t) => ({ target: t.target, rows: t.rows, bytes: 0, skipped: kept.includes(t) })), rows: 0, bytes: 0, removed: [], seconds: (performance.now() - started) / 1000 };
  }

  // 4. Write every output to its temp name (parallel), then rename them all.
  const dirs = new Set(todo.map((t) => dirname(t.target)));
  for (const dir of dirs) ensureWritable(dir, outArg, req.output ?? req.outputDir!);
  for (const t of todo) await removeStaleTemps(dirname(t.target), t.target);
  const totalRows = todo.reduce((n, t) => n + t.rows, 0);
  const threads = threadCount(req.threads ?? config.workers);
  // A lone big Parquet file has its row groups encoded on the threads while the main thread reads on.
  if (todo.length === 1 && todo[0].kind === 'parquet' && threads > 1 && todo[0].rows >= 2 * ROW_GROUP_ROWS) todo[0].encodeThreads = threads;
  let results: OutputResult[];
  try {
    results = await runTasks(todo, {
      stage: 'Build',
      workerModule: siblingModule(import.meta.url, 'worker'),
      inline: (t) => asWorkerReply('Build', () => writeOutput(t, req.signal)),
      threads,
      // Threads cost ~100-300 ms each to start (modules, zstd): below ~1M rows one thread is done sooner.
      minTasksForThreads: totalRows >= 1_000_000 ? 2 : Number.POSITIVE_INFINITY,
      signal: req.signal,
    });
  } catch (err) {
    for (const t of todo) rmSync(t.temp, { force: true });
    throw err;
  }
  try {
    // Durable before visible: every temp fsynced (in parallel: the file system batches them), then renamed.
    await inParallel(todo, 32, (t) => fsyncPath(t.temp));
  } catch (err) {
    for (const t of todo) rmSync(t.temp, { force: true });
    throw new CandleError('Build', 'IO_ERROR', `cannot write ${req.output ?? req.outputDir}: ${(err as Error).message}`, { cause: err });
  }
  for (const t of todo) renameSync(t.temp, t.target);
  await inParallel([...dirs], 32, fsyncDir);

  // 5. Incremental bookkeeping: drop partitions no longer produced, then record what the folder holds.
  const removed: string[] = [];
  if (req.incremental) {
    for (const rel of stale) {
      const file = join(layout.outputDir!, rel);
      rmSync(file, { force: true });
      removeEmptyParents(dirname(file), layout.outputDir!);
      removed.push(file);
    }
    const entries: Record<string, PartitionEntry> = {};
    for (const t of [...kept, ...todo].sort((a, b) => (a.rel < b.rel ? -1 : 1))) entries[t.rel] = entryOf(t);
    await writeManifest(layout.outputDir!, options, entries);
  }

  const files = [
    ...todo.map((t, i) => ({ target: t.target, rows: results[i].rows, bytes: results[i].bytes, skipped: false })),
    ...kept.map((t) => ({ target: t.target, rows: t.rows, bytes: 0, skipped: true })),
  ];
  const summary: BuildSummary = {
    files,
    rows: results.reduce((n, r) => n + r.rows, 0),
    bytes: results.reduce((n, r) => n + r.bytes, 0),
    removed,
    seconds: (performance.now() - started) / 1000,
  };
  req.log(summaryLine(summary, kept.length));
  return summary;
}

function summaryLine(s: BuildSummary, unchanged: number): string {
  const written = s.files.length - unchanged;
  const rate = s.seconds > 0 ? ` (${formatCount(s.rows / s.seconds)} rows/s)` : '';
  return `build: ${written} file${written === 1 ? '' : 's'} written, ${groupDigits(s.rows)} rows, ${formatBytes(s.bytes)} in ${s.seconds.toFixed(2)} s${rate}`
    + (unchanged ? `; ${unchanged} unchanged partition${unchanged === 1 ? '' : 's'} kept` : '')
    + (s.removed.length ? `; ${s.removed.length} stale partition${s.removed.length === 1 ? '' : 's'} removed` : '');
}

/** --dry-run: the files, their rows and an estimate of their size; nothing is written. */
/** `--side`: bid, ask or mid (any case); anything else is exit 2. */
function parseReadSide(text: string): ReadSide {
  const side = text.toLowerCase() as ReadSide;
  if (!READ_SIDES.includes(side)) throw usage(`--side ${JSON.stringify(text)}: want bid, ask or mid`);
  return side;
}

/**
 * Bars on one side only are left out of mid and spread (never paired with a neighbour): said once per
 * series, with counts and the first few times.
 */
function reportOneSided(tasks: readonly OutputTask[], read: ReadMode, warn: (line: string) => void): void {
  if (!isPaired(read)) return;
  const bySeries = new Map<string, { bidOnly: number; askOnly: number; first: { time: number; side: string }[] }>();
  for (const t of tasks) {
    for (const p of t.parts) {
      if (!p.paired) continue;
      const key = `${p.fileSymbol} ${p.timeframe}`;
      const acc = bySeries.get(key) ?? { bidOnly: 0, askOnly: 0, first: [] };
      acc.bidOnly += p.paired.oneSided.bidOnly;
      acc.askOnly += p.paired.oneSided.askOnly;
      for (const f of p.paired.oneSided.first) if (acc.first.length < ONE_SIDED_LISTED) acc.first.push(f);
      bySeries.set(key, acc);
    }
  }
  const what = read.side === 'mid' ? 'mid' : 'the spread';
  for (const [key, c] of bySeries) {
    const n = c.bidOnly + c.askOnly;
    if (n === 0) continue;
    const first = c.first.map((f) => `${new Date(f.time).toISOString().slice(0, 16).replace('T', ' ')} ${f.side} only`).join(', ');
    warn(`note: ${key}: ${groupDigits(n)} bar${n === 1 ? '' : 's'} on one side only left out of ${what} (${groupDigits(c.bidOnly)} BID only, ${groupDigits(c.askOnly)} ASK only; first: ${first}); \`candlestore verify\` lists them`);
  }
}

function printPlan(req: BuildRequest, tasks: OutputTask[], kept: OutputTask[], stale: string[]): void {
  let rows = 0;
  let bytes = 0;
  for (const t of tasks) {
    const unchanged = kept.includes(t);
    const est = estimateBytes(t);
    if (!unchanged) {
      rows += t.rows;
      bytes += est;
    }
    req.log(`${unchanged ? 'unchanged ' : ''}${t.target}  ${groupDigits(t.rows)} rows  ≈${formatBytes(est)}`);
  }
  for (const rel of stale) req.log(`remove ${join(req.outputDir ?? '', rel)}`);
  req.log(`dry run: ${tasks.length - kept.length} file${tasks.length - kept.length === 1 ? '' : 's'} to write, ${groupDigits(rows)} rows, ≈${formatBytes(bytes)}; nothing written`);
}

// Bytes per row measured on sim data (1m EUR/USD) with the encodings of parquet.ts; CSV from line lengths.
const PARQUET_BYTES_PER_ROW: Record<Compression, number> = { none: 42, snappy: 28, zstd: 24, gzip: 24, brotli: 23 };

function estimateBytes(t: OutputTask): number {
  if (t.kind === 'parquet') return Math.round(t.rows * PARQUET_BYTES_PER_ROW[t.compression]) + 1024;
  // A CSV line is the time (19), 4 prices of about `decimals + 3` characters, a volume (~6) and separators.
  let bytes = csvHeader(t.seriesColumns).length;
  for (const p of t.parts) {
    const line = (t.kind === 'mt4' ? 16 : 19) + 4 * (p.decimals + 3) + 6 + 6 + (t.seriesColumns ? p.fileSymbol.length + p.timeframe.length + 2 : 0);
    bytes += partRows(p) * line;
  }
  return t.compression === 'gzip' ? Math.round(bytes * 0.3) : bytes;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function formatCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

function isFile(p: string): boolean {
  try {
    return !statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** An export must never land inside the stores or the raw cache, where a stage would take it as its own. */
function refuseInsideRoot(root: string, out: string, arg: string): void {
  const real = realOrNearest(out);
  for (const sub of ['data', 'cache']) {
    const guarded = realOrNearest(join(root, sub));
    const rel = relative(guarded, real);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
      throw usage(`${arg} ${out} is inside ${join(root, sub)}${sep}: exports must not be written among the stores or the cache`);
    }
  }
}

/** realpath of `p`, or of its nearest existing ancestor joined with the rest (p need not exist yet). */
function realOrNearest(p: string): string {
  let head = resolve(p);
  const tail: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(head), ...tail.reverse());
    } catch {
      const up = dirname(head);
      if (up === head) return resolve(p);
      tail.push(head.slice(up.length + (up.endsWith(sep) ? 0 : 1)));
      head = up;
    }
  }
}

/** Create `dir` and prove it takes a new file now, before any work (exit 2 naming it otherwise). */
function ensureWritable(dir: string, arg: string, given: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    // access(2) answers for this process's credentials and read-only mounts (EROFS) alike.
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw usage(`${arg} ${given}: cannot write to ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function removeEmptyParents(dir: string, stop: string): void {
  while (dir.startsWith(stop) && dir !== stop) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}

async function fsyncPath(file: string): Promise<void> {
  const fd = openSync(file, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** `work` over `items` with at most `limit` in flight; the first failure rejects (after the rest settle). */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== undefined) throw failure;
}
