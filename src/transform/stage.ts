// The Transform stage: find raw days that have no sound 1m day file (and every provisional day in data/temp,
// the live day included, every run) and convert them in parallel, fail-fast.
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { resolveSymbolSettings } from '../config/symbolSettings.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { Layout } from '../paths.js';
import { MANIFEST_NAME, readManifest, type Manifest } from '../store/cacheManifest.js';
import { runTasks, siblingModule, threadCount, asWorkerReply } from '../workers/pool.js';
import { listFlatDayFiles, listTreeDayFiles } from '../util/dayFiles.js';
import { fsyncDir } from '../util/fsx.js';
import { dayFileProblem } from './dayFileCheck.js';
import { tempDayFileCurrent } from './liveStamp.js';
import { addTransformResult, transformBatch, type TransformResult, type TransformTask } from './transformDay.js';

/** A symbol's 1m definition as the transform needs it (pipeline/definitions.ts records it). */
export interface TransformDefinition {
  decimals: number | undefined;
  fit: 'round' | 'exact' | 'scale';
  fingerprint: number;
}

export interface TransformStats {
  days: number;
  candles: number;
  bytesIn: number;
  bytesOut: number;
  zeroVolumeDropped: number;
  overlapDropped: number;
  /** Day files that failed their check (empty, short, bad header or checksum) and were converted again. */
  rebuilt: number;
}

/**
 * Raw days without a sound 1m day file, plus every day in data/temp (the live day and provisional closed
 * days, rebuilt every run). A day file counts only if it passes dayFileProblem: in full (header, size,
 * records' checksum) from `resumeOf(symbol)` on (the days the aggregate stage will read; every day of a symbol
 * without a store), header and size before that; a failing one is converted again from its raw day (`damaged`
 * says why). `fromDay` (optional) limits the search to month folders from that day's month on: the pipeline
 * passes the earliest day any store still needs. `wanted` (optional) bounds the days per symbol (the run's
 * --from/--to).
 */
export async function planTransform(
  layout: Layout,
  config: Config,
  symbols: readonly string[],
  definitions: ReadonlyMap<string, TransformDefinition>,
  fromDay?: number,
  wanted?: (symbol: string, day: number) => boolean,
  resumeOf: (symbol: string) => number | undefined = () => undefined,
): Promise<TransformTask[]> {
  const byCode = new Map(symbols.map((s) => [symbolFileName(s), s]));
  // The run lock is held: any temp file in the transform tree is debris of a killed run.
  const debris: string[] = [];
  const done = new Set<string>();
  const damaged = new Map<string, string>();
  for (const f of await listTreeDayFiles(layout.transformDir, 'bin', { fromDay, onTemp: (p) => debris.push(p) })) {
    const symbol = byCode.get(f.code);
    if (!symbol) continue;
    const resume = resumeOf(symbol);
    const problem = dayFileProblem(f.path, symbol, resume === undefined || f.day >= resume);
    if (problem === undefined) done.add(`${f.code}_${f.day}`);
    else damaged.set(`${f.code}_${f.day}`, problem);
  }
  // A live day file whose JSON is gone belongs to a day that has closed (a power loss can bring back a removed
  // file): the closed day file replaces it.
  const liveJson = new Set((await listFlatDayFiles(layout.tempDir, 'json')).map((f) => `${f.code}_${f.day}`));
  for (const f of await listFlatDayFiles(layout.tempDir, 'bin')) if (byCode.has(f.code) && !liveJson.has(`${f.code}_${f.day}`)) debris.push(f.path);
  await Promise.all(debris.map((p) => rm(p, { force: true })));
  const settings = new Map(symbols.map((s) => [s, resolveSymbolSettings(config.transform.symbols, s)]));
  const tasks: TransformTask[] = [];
  const add = (code: string, day: number, input: string, live: boolean): TransformTask | undefined => {
    const symbol = byCode.get(code);
    // A damaged day file is converted again whatever the range: it restores what an earlier run made.
    if (!symbol || (wanted && !wanted(symbol, day) && (live || !damaged.has(`${code}_${day}`)))) return undefined;
    const { shift } = settings.get(symbol)!;
    const { decimals, fit, fingerprint } = definitions.get(symbol)!;
    const output = flat(live ? layout.liveTransformDay(symbol, day) : layout.transformDay(symbol, day));
    const task: TransformTask = { symbol, day, input: flat(input), output, live, shift, decimals, fit, definition: fingerprint, damaged: live ? undefined : damaged.get(`${code}_${day}`) };
    tasks.push(task);
    return task;
  };
  const manifests = new Map<string, Manifest & { path: string }>();
  for (const f of await listTreeDayFiles(layout.cacheDir, 'json', { fromDay })) {
    if (done.has(`${f.code}_${f.day}`)) continue;
    const task = add(f.code, f.day, f.path, false);
    if (!task) continue;
    // Checksums of the cached bodies, one manifest per month folder read once.
    const dir = dirname(f.path);
    let manifest = manifests.get(dir);
    if (!manifest) manifests.set(dir, (manifest = { ...readManifest(dir), path: flat(join(dir, MANIFEST_NAME)) }));
    task.recorded = manifest.entries.get(basename(f.path));
    task.manifest = manifest.path;
  }
  // A temp day (live or provisional) may have changed: its day file is rebuilt unless its JSON is as it was
  // when the day file was written (liveStamp.ts; the downloader leaves an unchanged answer untouched).
  for (const f of await listFlatDayFiles(layout.tempDir, 'json')) {
    const symbol = byCode.get(f.code);
    if (symbol && tempDayFileCurrent(f.path, layout.liveTransformDay(symbol, f.day), symbol, definitions.get(symbol)!.fingerprint)) continue;
    add(f.code, f.day, f.path, true);
  }
  return tasks;
}

/**
 * `path` as one flat string. path.join builds its result a segment at a time, as a tree of string pieces
 * (~400 bytes for a day file's path); a cold run plans a task per day, so the plan held 1.6 KB a day, and
 * the peak memory grew with the length of history (issue 13). Converting it to a number makes V8 flatten
 * the string in place.
 */
function flat(path: string): string {
  void Number(path);
  return path;
}

/** Days per task: big enough to make dispatch negligible, small enough for progress and fail-fast. */
const BATCH_DAYS = 32;

export async function runTransform(
  tasks: readonly TransformTask[],
  opts: {
    threads: number; signal?: AbortSignal; onProgress?: (done: number, total: number, candles: number) => void;
    /** The day-file tree (layout.transformDir): its folders that gained files are fsynced at the end. */
    transformDir?: string;
  },
): Promise<TransformStats> {
  const stats: TransformStats = { days: 0, candles: 0, bytesIn: 0, bytesOut: 0, zeroVolumeDropped: 0, overlapDropped: 0, rebuilt: 0 };
  for (const t of tasks) if (t.damaged !== undefined) stats.rebuilt++;
  const batches: TransformTask[][] = [];
  for (let i = 0; i < tasks.length; i += BATCH_DAYS) batches.push(tasks.slice(i, i + BATCH_DAYS));
  await runTasks<TransformTask[], TransformResult[]>(batches, {
    stage: 'Transform',
    workerModule: siblingModule(import.meta.url, 'worker'),
    inline: (batch) => asWorkerReply('Transform', () => transformBatch(batch)),
    threads: threadCount(opts.threads),
    // A day takes ~0.4 ms: below ~400 days, thread start-up would cost more than it saves.
    minTasksForThreads: Math.ceil(400 / BATCH_DAYS),
    signal: opts.signal,
    onResult: (results) => {
      for (const r of results) addTransformResult(stats, r);
      opts.onProgress?.(stats.days, tasks.length, stats.candles);
    },
  });
  if (opts.transformDir !== undefined) await syncDayFolders(tasks, opts.transformDir);
  return stats;
}

/**
 * Day files are not fsynced (docs/format.md §8), but their folders are, once per stage: after a power loss
 * every day file written here is still listed (maybe empty or short, which the next plan's check finds and
 * converts again) instead of silently missing under a store that already holds its records. Month folders
 * that gained files, their year folders, and the folders above (new ones appear there on a first run).
 */
async function syncDayFolders(tasks: readonly TransformTask[], transformDir: string): Promise<void> {
  const months = new Set(tasks.filter((t) => !t.live).map((t) => dirname(t.output)));
  if (months.size === 0) return;
  const dirs = new Set([...months, ...[...months].map((m) => dirname(m)), transformDir, dirname(transformDir), dirname(dirname(transformDir))]);
  await Promise.all([...dirs].map((d) => fsyncDir(d)));
}
