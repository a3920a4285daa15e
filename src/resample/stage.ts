// The Resample stage: resolve each symbol's plan in the main thread (config errors surface before any work,
// as ConfigError), then resample symbols in parallel worker threads, fail-fast; inside a symbol the
// timeframes run in dependency order. Tasks are plain data so they cross the thread boundary.
import type { Config } from '../config/schema.js';
import { Layout } from '../paths.js';
import { asWorkerReply, runTasks, siblingModule } from '../pipeline/pool.js';
import { resolveSymbolPlan, type SymbolPlan } from './plan.js';
import { resampleSymbol, type ResampleStats } from './resample.js';

export interface ResampleTask {
  root: string;
  plan: SymbolPlan;
  chunkBytes?: number;
}

export interface ResampleSummary {
  symbols: number;
  /** Symbols skipped (no aggregate store yet). */
  skipped: number;
  barsClosed: number;
  rowsRead: number;
  bytesRead: number;
  /** Timeframe files rewritten this run (the others had nothing new). */
  filesChanged: number;
  repairs: string[];
  perSymbol: ResampleStats[];
}

/** One task per symbol; throws ConfigError naming the key when a symbol's resolved plan is invalid. */
export function planResample(layout: Layout, config: Config, symbols: readonly string[]): ResampleTask[] {
  return symbols.map((symbol) => ({ root: layout.root, plan: resolveSymbolPlan(config, symbol) }));
}

/** The body of one task, in a worker or inline. */
export function resampleTask(task: ResampleTask): Promise<ResampleStats> {
  return resampleSymbol(new Layout(task.root), task.plan, { chunkBytes: task.chunkBytes });
}

export async function runResample(
  tasks: readonly ResampleTask[],
  opts: { threads: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<ResampleSummary> {
  const summary: ResampleSummary = { symbols: 0, skipped: 0, barsClosed: 0, rowsRead: 0, bytesRead: 0, filesChanged: 0, repairs: [], perSymbol: [] };
  await runTasks<ResampleTask, ResampleStats>(tasks, {
    stage: 'Resample',
    workerModule: siblingModule(import.meta.url, 'worker'),
    inline: (task) => asWorkerReply('Resample', () => resampleTask(task)),
    threads: opts.threads,
    signal: opts.signal,
    onResult: (s) => {
      summary.symbols++;
      if (s.skipped) summary.skipped++;
      for (const tf of s.timeframes) {
        summary.barsClosed += tf.barsClosed;
        summary.rowsRead += tf.rowsRead;
        summary.bytesRead += tf.bytesRead;
        if (tf.changed) summary.filesChanged++;
        summary.repairs.push(...tf.repairs);
      }
      summary.perSymbol.push(s);
      opts.onProgress?.(summary.symbols, tasks.length);
    },
  });
  return summary;
}
