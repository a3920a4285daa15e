// The Download stage (DESIGN §4): decide which days to fetch, fetch them with a small worker pool over one
// DownloadClient, and put each body in place atomically.
//   - closed day (day < today UTC) in [from, to] without a cache file → fetched from its dated URL; if it is
//     settled (settle.ts: both clocks past its close by the settle time, and not cut short) it goes to
//     cache/YYYY/MM/SYMBOL_YYYYMMDD.json and is never fetched again; otherwise it is provisional: its raw JSON
//     goes to data/temp/SYMBOL_YYYYMMDD.json (replaced whole) and it is fetched again next run;
//   - today (if in [from, to]) → every run, live URL, its latest answer (complete minutes only) replaces
//     data/temp/SYMBOL_YYYYMMDD.json (liveDay.ts): the server revises minutes it served before;
//   - a temp file left in data/temp for a day before today (an old live day or a provisional day) → fetched
//     from its dated URL and settled as above, even before `from` (the store holds it already); once the
//     day is in the cache its temp .bin and .json are deleted. Days after `to` are left alone.
// So a day is provisional iff its raw JSON lives in data/temp (the contract with transform and aggregate).
// "today" comes from the caller's `nowMs` (the Clock: Date.now() or --now), never from Date.now() here; the
// time a closed day's answer arrived is nowMs plus the time elapsed since the run began.
// Fail-fast: the first error aborts every other request and sleep, waits until all workers have stopped (so
// no write is half done), and is rethrown; files only ever appear at final paths by rename.
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CancelledError } from '../errors.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { Layout } from '../paths.js';
import { DAY_MS, eachDay, startOfDay } from '../util/dates.js';
import { parseDayFileName } from '../util/dayFiles.js';
import { recordCacheBody } from '../store/cacheManifest.js';
import { removeStaleTemps, writeFileAtomic } from '../util/fsx.js';
import { DownloadClient, type DownloadOptions, type DownloadStats } from './client.js';
import { completeLiveDay, encodeDayJson } from './liveDay.js';
import type { RateLimiter } from './rateLimiter.js';
import { DEFAULT_SETTLE_MINUTES, settleDay } from './settle.js';

export type { DownloadOptions, DownloadStats } from './client.js';

/** One day the run has to touch. */
export interface DayTask {
  symbol: string;
  /** Epoch ms of the day's 00:00 UTC. */
  day: number;
  /** true: today's live file (fetched every run, replaced by the latest answer). */
  live: boolean;
  /** Final path: the cache file, or the live file in data/temp. */
  file: string;
  /** A closed day's raw JSON while it is provisional (data/temp/SYMBOL_YYYYMMDD.json). */
  tempFile: string;
  /** false: the cache file exists already and only `staleTemps` are left to delete. */
  fetch: boolean;
  /** Temp files of a day that has closed (its provisional or old live .bin and .json), deleted once `file` is in place. */
  staleTemps: string[];
}

export interface DownloadPlan {
  nowMs: number;
  /** 00:00 UTC of the day containing nowMs. */
  today: number;
  tasks: DayTask[];
}

/** A day the transform stage has to (re)process. */
export interface DownloadedDay {
  symbol: string;
  day: number;
  file: string;
  live: boolean;
  /** A closed day kept in data/temp (not settled yet): `file` is its temp JSON. */
  provisional: boolean;
  /** Size of `file`. */
  bytes: number;
  /** false only for a live day whose answer was the file's content already (listed so a missing .bin can be rebuilt). */
  changed: boolean;
}

export interface DownloadRunStats extends DownloadStats {
  /** Days fetched successfully (closed and live). */
  daysDownloaded: number;
  /** Closed days fetched this run that are not settled yet: kept in data/temp, fetched again next run. */
  daysProvisional: number;
}

export interface DownloadResult {
  days: DownloadedDay[];
  stats: DownloadRunStats;
}

export interface DownloadProgress {
  done: number;
  total: number;
  symbol: string;
  day: number;
  live: boolean;
}

export interface RunDownloadsContext {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Defaults to the process-wide limiter (globalRateLimiter). */
  limiter?: RateLimiter;
  /** A closed day was kept provisional, and why. */
  onProvisional?: (p: { symbol: string; day: number; reason: string }) => void;
}

/**
 * Work out which days to fetch for `symbols` over [fromDay, toDay] (epoch ms, inclusive) at `nowMs`.
 * `fromDay` may differ per symbol (a symbol whose store already exists continues where it ends).
 */
export async function planDownloads(
  layout: Layout,
  symbols: readonly string[],
  fromDay: number | ((symbol: string) => number),
  toDay: number,
  nowMs: number,
): Promise<DownloadPlan> {
  const today = startOfDay(nowMs);
  const fromOf = typeof fromDay === 'function' ? fromDay : () => fromDay;
  const to = startOfDay(toDay);
  const dirs = new DirCache();
  const tempNames = await dirs.names(layout.tempDir);
  const tasks: DayTask[] = [];
  for (const symbol of symbols) {
    const from = startOfDay(fromOf(symbol));
    const stale = staleLiveDays(tempNames, symbol, today);
    const closed = (day: number, staleTemps: string[]): DayTask => ({
      symbol,
      day,
      live: false,
      file: layout.cacheDay(symbol, day),
      tempFile: layout.liveDay(symbol, day),
      fetch: true,
      staleTemps,
    });
    // The .bin first: the .json is what marks the day provisional, so it goes last.
    const tempsOf = (day: number) => [layout.liveTransformDay(symbol, day), layout.liveDay(symbol, day)];
    for (const day of eachDay(from, Math.min(to, today - DAY_MS))) {
      const task = closed(day, stale.delete(day) ? tempsOf(day) : []);
      if (!(await dirs.has(task.file))) tasks.push(task);
      else if (task.staleTemps.length > 0) tasks.push({ ...task, fetch: false });
    }
    for (const day of [...stale].sort((a, b) => a - b)) {
      const task = closed(day, tempsOf(day));
      if (await dirs.has(task.file)) tasks.push({ ...task, fetch: false });
      else if (day <= to) tasks.push(task);
    }
    if (from <= today && today <= to) {
      const file = layout.liveDay(symbol, today);
      tasks.push({ symbol, day: today, live: true, file, tempFile: file, fetch: true, staleTemps: [] });
    }
  }
  return { nowMs, today, tasks };
}

/** Run a plan: at most `opts.concurrency` requests in flight; first error cancels the rest and is rethrown. */
export async function runDownloads(plan: DownloadPlan, opts: DownloadOptions, ctx: RunDownloadsContext = {}): Promise<DownloadResult> {
  if (ctx.signal?.aborted) throw new CancelledError('Download');
  const { tasks } = plan;
  const dirsToClean = new Set<string>();
  for (const t of tasks) {
    dirsToClean.add(dirname(t.file));
    for (const f of t.staleTemps) dirsToClean.add(dirname(f));
  }
  for (const dir of dirsToClean) await removeStaleTemps(dir);

  const ctrl = new AbortController();
  const onOuterAbort = () => ctrl.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const client = new DownloadClient(opts, ctx.limiter);
  const days: DownloadedDay[] = [];
  let daysDownloaded = 0;
  let daysProvisional = 0;
  const settleMs = opts.settleMs ?? DEFAULT_SETTLE_MINUTES * 60_000;
  const started = performance.now();
  let firstError: unknown;
  let next = 0;
  let done = 0;

  const runTask = async (task: DayTask): Promise<void> => {
    if (!task.fetch) {
      await removeAll(task.staleTemps);
      return;
    }
    const fetched = await client.fetchDay({ symbol: task.symbol, day: task.day, live: task.live }, ctrl.signal);
    daysDownloaded++;
    if (ctrl.signal.aborted) throw new CancelledError('Download');
    if (!task.live) {
      const clientNow = plan.nowMs + (performance.now() - started);
      const settled = settleDay({ symbol: task.symbol, day: task.day, doc: fetched.doc, clientNow, serverNow: fetched.serverTime, settleMs });
      if (!settled.final) {
        // Replaced whole: the dated answer is the server's current view of the day, not a prefix to extend.
        await writeFileAtomic(task.tempFile, fetched.text);
        daysProvisional++;
        ctx.onProvisional?.({ symbol: task.symbol, day: task.day, reason: settled.reason });
        days.push({ symbol: task.symbol, day: task.day, file: task.tempFile, live: false, provisional: true, bytes: fetched.bytes, changed: true });
        return;
      }
      const body = Buffer.from(fetched.text);
      // Its checksum first (store/cacheManifest.ts): a cached body on disk always has one to be checked against.
      await recordCacheBody(task.file, body);
      await writeFileAtomic(task.file, body);
      await removeAll(task.staleTemps);
      days.push({ symbol: task.symbol, day: task.day, file: task.file, live: false, provisional: false, bytes: fetched.bytes, changed: true });
      return;
    }
    const text = encodeDayJson(completeLiveDay(fetched.doc, task.day, plan.nowMs, task.file));
    const existing = await readLiveText(task.file);
    if (existing === text) {
      days.push({ symbol: task.symbol, day: task.day, file: task.file, live: true, provisional: false, bytes: Buffer.byteLength(text), changed: false });
      return;
    }
    await writeFileAtomic(task.file, text);
    days.push({ symbol: task.symbol, day: task.day, file: task.file, live: true, provisional: false, bytes: Buffer.byteLength(text), changed: true });
  };

  const worker = async (): Promise<void> => {
    while (!ctrl.signal.aborted && next < tasks.length) {
      const task = tasks[next++];
      try {
        await runTask(task);
      } catch (err) {
        if (firstError === undefined && !(err instanceof CancelledError && ctrl.signal.aborted)) {
          firstError = err;
          ctrl.abort(err);
        }
        return;
      }
      done++;
      ctx.onProgress?.({ done, total: tasks.length, symbol: task.symbol, day: task.day, live: task.live });
    }
  };

  try {
    const workers = Math.max(1, Math.min(Math.floor(opts.concurrency), tasks.length));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    ctx.signal?.removeEventListener('abort', onOuterAbort);
    if (ctrl.signal.aborted) await client.destroy();
    else await client.close();
  }
  if (firstError !== undefined) throw firstError;
  if (ctx.signal?.aborted) throw new CancelledError('Download');
  days.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.day - b.day));
  return { days, stats: { ...client.stats, statuses: { ...client.stats.statuses }, daysDownloaded, daysProvisional } };
}

/** planDownloads + runDownloads. */
export async function downloadDays(
  layout: Layout,
  symbols: readonly string[],
  fromDay: number | ((symbol: string) => number),
  toDay: number,
  nowMs: number,
  opts: DownloadOptions,
  ctx: RunDownloadsContext = {},
): Promise<DownloadResult> {
  return runDownloads(await planDownloads(layout, symbols, fromDay, toDay, nowMs), opts, ctx);
}

/** Days before `today` that still have a live file `SYMBOL_YYYYMMDD[.ASK].json` of this series in data/temp. */
function staleLiveDays(tempNames: ReadonlySet<string>, series: string, today: number): Set<number> {
  const code = symbolFileName(series);
  const out = new Set<number>();
  for (const name of tempNames) {
    const f = parseDayFileName(name, 'json');
    if (f && f.code === code && f.day < today) out.add(f.day);
  }
  return out;
}

async function readLiveText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function removeAll(files: readonly string[]): Promise<void> {
  for (const f of files) await rm(f, { force: true });
}

/** Directory listings read once each, so planning 20 years × N symbols costs one readdir per month. */
class DirCache {
  private readonly listings = new Map<string, Promise<Set<string>>>();

  names(dir: string): Promise<Set<string>> {
    let p = this.listings.get(dir);
    if (!p) {
      p = readdir(dir).then(
        (names) => new Set(names),
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return new Set<string>();
          throw err;
        },
      );
      this.listings.set(dir, p);
    }
    return p;
  }

  async has(file: string): Promise<boolean> {
    return (await this.names(dirname(file))).has(basename(file));
  }
}
