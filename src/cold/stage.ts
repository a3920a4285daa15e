// Which symbols take the fused cold path, and running them. A symbol with at least FUSED_MIN_DAYS closed days
// to convert (a first run, a rebuild, a store far behind) is converted and appended in one pass by one
// thread (fused.ts); the others, and every incremental run, go through the transform and aggregate stages
// as before. The fused symbols are spread over the worker threads by the bytes of raw JSON they convert
// (workers/balance.ts), each thread committing its group as one batch.
import { balancedGroups } from '../workers/balance.js';
import { asWorkerReply, runTasks, siblingModule } from '../workers/pool.js';
import type { DayBounds } from '../aggregate/aggregate.js';
import type { TransformTask } from '../transform/transformDay.js';
import { fusedGroup, type FusedResult, type FusedTask } from './fused.js';
import { progressListener } from './progress.js';

/**
 * Closed days to convert from which a symbol takes the fused path. Measured (bench/README.md, "Fused cold
 * path"): the pass saves ~25 µs of reading back and checking per day, and costs nothing per symbol but the
 * threads, which the transform stage starts for 400 days anyway; below a few dozen days a symbol's work is
 * an incremental catch-up, kept on the stage-by-stage code.
 */
export const FUSED_MIN_DAYS = 64;
/** Below this many days in all, the fused symbols run inline (threads cost ~100 ms to start, as for transform). */
const INLINE_MAX_DAYS = 400;
/** A raw day of 1440 1m candles, when the manifest recorded no size. */
const TYPICAL_JSON_BYTES = 20_000;

export interface FusedGroupTask {
  symbols: FusedTask[];
  /** BroadcastChannel for progress (progress.ts). */
  progressChannel?: string;
}

export interface FusedPlan {
  fused: FusedTask[];
  /** Tasks of the other symbols, for the transform stage. */
  rest: TransformTask[];
}

/**
 * Split the transform stage's tasks: symbols with at least `minDays` closed days to convert are fused (all of
 * their tasks go with them), the rest stay. `minDays` Infinity: nothing is fused (the stage-by-stage path).
 */
export function planFused(
  tasks: readonly TransformTask[],
  opts: { root: string; csv: boolean; minDays?: number; commitBytes?: number; boundsOf: (symbol: string) => DayBounds },
): FusedPlan {
  const minDays = opts.minDays ?? FUSED_MIN_DAYS;
  const closed = new Map<string, number>();
  for (const t of tasks) if (!t.live) closed.set(t.symbol, (closed.get(t.symbol) ?? 0) + 1);
  const fusedSymbols = new Set([...closed].filter(([, n]) => n >= minDays).map(([s]) => s));
  if (fusedSymbols.size === 0) return { fused: [], rest: [...tasks] };
  const bySymbol = new Map<string, FusedTask>();
  const rest: TransformTask[] = [];
  for (const t of tasks) {
    if (!fusedSymbols.has(t.symbol)) {
      rest.push(t);
      continue;
    }
    let f = bySymbol.get(t.symbol);
    if (!f) bySymbol.set(t.symbol, (f = { root: opts.root, symbol: t.symbol, csv: opts.csv, bounds: opts.boundsOf(t.symbol), days: [], bytes: 0, commitBytes: opts.commitBytes }));
    f.days.push(t);
    f.bytes += t.recorded?.[0]?.bytes ?? TYPICAL_JSON_BYTES;
  }
  for (const f of bySymbol.values()) f.days.sort((a, b) => a.day - b.day || Number(a.live) - Number(b.live));
  return { fused: [...bySymbol.values()], rest };
}

export async function runFused(
  tasks: readonly FusedTask[],
  opts: { threads: number; signal?: AbortSignal; onDays?: (days: number) => void; onDone?: (r: FusedResult) => void },
): Promise<FusedResult[]> {
  const all: FusedResult[] = [];
  if (tasks.length === 0) return all;
  const days = tasks.reduce((n, t) => n + t.days.length, 0);
  const done = (r: FusedResult) => {
    all.push(r);
    opts.onDone?.(r);
  };
  if (opts.threads <= 1 || tasks.length < 2 || days < INLINE_MAX_DAYS) {
    await fusedGroup(tasks, { signal: opts.signal, onDay: () => opts.onDays?.(1), onDone: done });
    return all;
  }
  const progress = progressListener((n) => opts.onDays?.(n));
  try {
    const groups = balancedGroups(tasks, opts.threads, (t) => t.bytes).map((symbols): FusedGroupTask => ({ symbols, progressChannel: progress.name }));
    await runTasks<FusedGroupTask, FusedResult[]>(groups, {
      stage: 'Transform',
      workerModule: siblingModule(import.meta.url, 'worker'),
      inline: (group) => asWorkerReply('Transform', () => fusedGroup(group.symbols)),
      threads: opts.threads,
      minTasksForThreads: 2,
      signal: opts.signal,
      onResult: (list) => list.forEach(done),
    });
  } finally {
    progress.close();
  }
  return all;
}
