// The Transform stage: find raw days that have no 1m day file yet (and every provisional day in data/temp,
// the live day included, every run) and convert them in parallel, fail-fast.
import { rm } from 'node:fs/promises';
import type { Config } from '../config/schema.js';
import { resolveSymbolSettings } from '../config/symbolSettings.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { Layout } from '../paths.js';
import { runTasks, siblingModule, threadCount, asWorkerReply } from '../workers/pool.js';
import { listFlatDayFiles, listTreeDayFiles } from '../util/dayFiles.js';
import { transformBatch, type TransformResult, type TransformTask } from './transformDay.js';

export interface TransformStats {
  days: number;
  candles: number;
  bytesIn: number;
  bytesOut: number;
  zeroVolumeDropped: number;
  overlapDropped: number;
}

/**
 * Raw days without a 1m day file, plus every day in data/temp (the live day and provisional closed days,
 * rebuilt every run). `fromDay` (optional) limits the search to month folders from that day's month on: the
 * pipeline passes the earliest day any store still needs. `wanted` (optional) bounds the days per symbol
 * (the run's --from/--to).
 */
export async function planTransform(
  layout: Layout,
  config: Config,
  symbols: readonly string[],
  fromDay?: number,
  wanted?: (symbol: string, day: number) => boolean,
): Promise<TransformTask[]> {
  const byCode = new Map(symbols.map((s) => [symbolFileName(s), s]));
  // The run lock is held: any temp file in the transform tree is debris of a killed run.
  const debris: string[] = [];
  const done = new Set((await listTreeDayFiles(layout.transformDir, 'bin', { fromDay, onTemp: (p) => debris.push(p) })).map((f) => `${f.code}_${f.day}`));
  await Promise.all(debris.map((p) => rm(p, { force: true })));
  const settings = new Map(symbols.map((s) => [s, resolveSymbolSettings(config.transform.symbols, s)]));
  const tasks: TransformTask[] = [];
  const add = (code: string, day: number, input: string, live: boolean) => {
    const symbol = byCode.get(code);
    if (!symbol || (wanted && !wanted(symbol, day))) return;
    const { shift, roundDecimals } = settings.get(symbol)!;
    const output = live ? layout.liveTransformDay(symbol, day) : layout.transformDay(symbol, day);
    tasks.push({ symbol, day, input, output, live, shift, roundDecimals });
  };
  for (const f of await listTreeDayFiles(layout.cacheDir, 'json', { fromDay })) {
    if (!done.has(`${f.code}_${f.day}`)) add(f.code, f.day, f.path, false);
  }
  // A temp day (live or provisional) may have changed: its day file is rebuilt every run (a few small files).
  for (const f of await listFlatDayFiles(layout.tempDir, 'json')) add(f.code, f.day, f.path, true);
  return tasks;
}

/** Days per task: big enough to make dispatch negligible, small enough for progress and fail-fast. */
const BATCH_DAYS = 32;

export async function runTransform(
  tasks: readonly TransformTask[],
  opts: { threads: number; signal?: AbortSignal; onProgress?: (done: number, total: number, candles: number) => void },
): Promise<TransformStats> {
  const stats: TransformStats = { days: 0, candles: 0, bytesIn: 0, bytesOut: 0, zeroVolumeDropped: 0, overlapDropped: 0 };
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
      for (const r of results) {
        stats.days++;
        stats.candles += r.candles;
        stats.bytesIn += r.bytesIn;
        stats.bytesOut += r.bytesOut;
        stats.zeroVolumeDropped += r.zeroVolumeDropped;
        stats.overlapDropped += r.overlapDropped;
      }
      opts.onProgress?.(stats.days, tasks.length, stats.candles);
    },
  });
  return stats;
}
