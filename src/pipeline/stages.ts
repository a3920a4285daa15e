// The stages of `run`, each a thin adapter from the RunContext to one stage module plus its summary line.
import type { RunContext } from './context.js';
import type { PipelineStage } from './run.js';
import { formatBytes } from './run.js';
import { planTransform, runTransform } from '../transform/stage.js';
import { threadCount } from '../workers/pool.js';
import type { AggregateStats } from '../aggregate/aggregate.js';
import { planAggregate, runAggregate } from '../aggregate/stage.js';
import { compactDay, formatDay } from '../util/dates.js';
import { CancelledError } from '../errors.js';
import { groupDigits } from '../util/digits.js';
import { planResample, runResample } from '../resample/stage.js';
import { recordDefinitions } from './definitions.js';
import { resolveRange, type RangeOptions, type RunRange } from './range.js';
import { planFused, runFused } from '../cold/stage.js';
import type { FusedResult } from '../cold/fused.js';
import { clientOptions } from '../download/options.js';

export type { RangeOptions } from './range.js';

// Not toLocaleString: its first call loads ICU data, tens of ms of every run (util/digits.ts).
const fmt = groupDigits;

/** The run's range, worked out once by the first stage that needs it (after a rebuild's deletions). */
export type RangeOf = (stage: 'Download' | 'Transform') => Promise<RunRange>;

export function rangeOnce(ctx: RunContext, opts: RangeOptions): RangeOf {
  let range: Promise<RunRange> | undefined;
  return (stage) => (range ??= resolveRange(ctx, opts, stage));
}

/** Provisional days listed one a line up to this many, then counted. */
const PROVISIONAL_LINES = 5;

export function downloadStage(ctx: RunContext, rangeOf: RangeOf): PipelineStage {
  return {
    stage: 'Download',
    async run(signal) {
      const now = ctx.now();
      const range = await rangeOf('Download');
      const d = ctx.config.download;
      // Loaded here: the HTTP client is the heaviest import, and `run --no-download` never needs it.
      const { downloadDays } = await import('../download/downloader.js');
      let bar: ReturnType<typeof ctx.progress.stage> | undefined;
      const provisional: string[] = [];
      const result = await downloadDays(
        ctx.layout,
        ctx.series,
        (s) => range.symbols.get(s)!.first,
        range.last,
        now,
        clientOptions(d),
        {
          signal,
          onProgress: (p) => {
            bar ??= ctx.progress.stage('download', p.total, 'days');
            bar.update(p.done, p.symbol);
          },
          onProvisional: (p) => provisional.push(`provisional: ${p.symbol} ${formatDay(p.day)} (${p.reason}); fetched again next run`),
        },
      ).finally(() => bar?.stop());
      provisional.sort();
      for (const line of provisional.slice(0, PROVISIONAL_LINES)) ctx.log(line);
      if (provisional.length > PROVISIONAL_LINES) ctx.log(`provisional: and ${provisional.length - PROVISIONAL_LINES} more days`);
      const s = result.stats;
      const held = s.daysProvisional ? `, ${fmt(s.daysProvisional)} closed day${s.daysProvisional === 1 ? '' : 's'} provisional (not settled, fetched again next run)` : '';
      return {
        detail: `${fmt(s.daysDownloaded)} days downloaded, ${formatBytes(s.bytes)}, ${fmt(s.requests)} requests, ${fmt(s.retries)} retries${held}`,
        counters: { daysDownloaded: s.daysDownloaded, daysProvisional: s.daysProvisional, bytes: s.bytes, requests: s.requests, retries: s.retries },
      };
    },
  };
}

/**
 * What the transform stage did on the fused cold path (src/cold/), for the aggregate stage: those symbols'
 * stores are up to date already.
 */
export interface FusedOutcome {
  symbols: Set<string>;
  results: FusedResult[];
}

export interface TransformStageOptions {
  /** Closed days to convert from which a symbol takes the fused path (default FUSED_MIN_DAYS; Infinity: never). */
  fusedMinDays?: number;
  /** The fused path commits every this many appended bytes (default: the aggregate stage's; tests make it small). */
  fusedCommitBytes?: number;
}

export function transformStage(ctx: RunContext, rangeOf: RangeOf, fused: FusedOutcome = { symbols: new Set(), results: [] }, opts: TransformStageOptions = {}): PipelineStage {
  return {
    stage: 'Transform',
    async run(signal) {
      const range = await rangeOf('Transform');
      // Days before every store's last day are aggregated already: skip listing their month folders.
      const firsts = [...range.symbols.values()].map((r) => r.tailFirst);
      const fromDay = firsts.length > 0 ? Math.min(...firsts) : undefined;
      // Each symbol's definition is on disk before its first day file (and fixes its decimals).
      const definitions = await recordDefinitions(ctx);
      const tasks = await planTransform(
        ctx.layout, ctx.config, ctx.series, definitions, fromDay,
        (symbol, day) => {
          const r = range.symbols.get(symbol)!;
          return day >= r.tailFirst && day <= r.last;
        },
        // Day files from the first day aggregate may read on (every day of a symbol without a store) are
        // checked in full, header, size and record checksum, before it reads them.
        (symbol) => {
          const r = range.symbols.get(symbol)!;
          return r.hasStore ? r.tailFirst : undefined;
        },
      );
      for (const t of tasks) if (t.damaged !== undefined) ctx.log(`repair: day file ${t.output} not trusted (${t.damaged}): converted again from ${t.input}`);
      // Symbols with many new days are converted and appended in one pass (src/cold/); the rest as before.
      const plan = planFused(tasks, { root: ctx.layout.root, csv: ctx.config.aggregate.csv, minDays: opts.fusedMinDays, commitBytes: opts.fusedCommitBytes, boundsOf: boundsIn(range) });
      const threads = threadCount(ctx.config.workers);
      const bar = ctx.progress.stage('transform', tasks.length, 'days');
      try {
        let done = 0;
        const s = await runTransform(plan.rest, { threads, signal, onProgress: (n) => bar.update((done = n)), transformDir: ctx.layout.transformDir });
        for (const r of await runFused(plan.fused, { threads, signal, onDays: (n) => bar.update((done += n)) })) {
          fused.symbols.add(r.symbol);
          fused.results.push(r);
          s.days += r.transform.days;
          s.candles += r.transform.candles;
          s.bytesIn += r.transform.bytesIn;
          s.bytesOut += r.transform.bytesOut;
          s.zeroVolumeDropped += r.transform.zeroVolumeDropped;
          s.overlapDropped += r.transform.overlapDropped;
        }
        for (const t of plan.fused.flatMap((f) => f.days)) if (t.damaged !== undefined) s.rebuilt++;
        const dropped = s.overlapDropped ? `, ${s.overlapDropped} in DST fall-back overlap dropped` : '';
        const rebuilt = s.rebuilt ? `, rebuilt ${fmt(s.rebuilt)} damaged day file${s.rebuilt === 1 ? '' : 's'}` : '';
        const appended = fused.results.reduce((n, r) => n + r.aggregate.recordsAppended, 0);
        const together = plan.fused.length ? `; ${plan.fused.length} symbol${plan.fused.length === 1 ? '' : 's'} appended to ${plan.fused.length === 1 ? 'its store' : 'their stores'} in the same pass (${fmt(appended)} candles)` : '';
        return {
          detail: `${fmt(s.days)} days, ${fmt(s.candles)} candles, ${formatBytes(s.bytesIn)} → ${formatBytes(s.bytesOut)}${dropped}${rebuilt}${together}`,
          counters: { ...s, fusedSymbols: plan.fused.length, fusedRecordsAppended: appended },
        };
      } finally {
        bar.stop();
      }
    },
  };
}

/** The days each symbol's store may take (YYYYMMDD, inclusive): a new store starts at its first day, none takes a day after --to. */
function boundsIn(range: RunRange): (symbol: string) => { firstDate: number; lastDate: number } {
  return (symbol) => {
    const r = range.symbols.get(symbol)!;
    return { firstDate: r.hasStore ? 0 : Number(compactDay(r.first)), lastDate: Number(compactDay(r.last)) };
  };
}

/** Run `work` for every item with at most `limit` in flight; the first failure cancels the rest. */
export async function forEachFailFast<T>(items: readonly T[], limit: number, signal: AbortSignal, work: (item: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let first: unknown;
  let next = 0;
  const lane = async () => {
    while (next < items.length && !controller.signal.aborted) {
      const item = items[next++];
      try {
        await work(item, controller.signal);
      } catch (err) {
        if (first === undefined && !(err instanceof CancelledError && controller.signal.aborted)) first = err;
        controller.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (first !== undefined) throw first;
  if (signal.aborted) throw new CancelledError('Aggregate');
}

export function aggregateStage(ctx: RunContext, rangeOf: RangeOf, fused: FusedOutcome = { symbols: new Set(), results: [] }): PipelineStage {
  return {
    stage: 'Aggregate',
    async run(signal) {
      let all: AggregateStats[];
      // Symbols the transform stage appended in its fused pass are up to date.
      const symbols = ctx.series.filter((s) => !fused.symbols.has(s));
      const bar = ctx.progress.stage('aggregate', symbols.length, 'symbols');
      try {
        // Symbols in worker threads for a big run, inline with one commit for all of them for a small one.
        const range = await rangeOf('Transform');
        // (No symbol left: nothing to list; an empty list would walk the whole day-file tree.)
        all = symbols.length === 0 ? [] : await runAggregate(
          await planAggregate(ctx.layout, symbols, ctx.config.aggregate.csv, boundsIn(range)),
          { threads: threadCount(ctx.config.workers), signal, onRepair: (m) => ctx.log(`repair: ${m}`), onProgress: (done) => bar.update(done) },
        );
      } finally {
        bar.stop();
      }
      // Repairs the fused pass made are reported here, with the stage's own.
      const inFused = fused.results.map((r) => r.aggregate);
      for (const m of inFused.flatMap((s) => s.repairs)) ctx.log(`repair: ${m}`);
      const sum = (f: (s: AggregateStats) => number, list = all) => list.reduce((a, s) => a + f(s), 0);
      const repairs = sum((s) => s.repairs.length) + sum((s) => s.repairs.length, inFused);
      const together = inFused.length ? `; ${fmt(sum((s) => s.recordsAppended, inFused))} candles of ${inFused.length} symbol${inFused.length === 1 ? '' : 's'} appended from memory by the transform pass (fused)` : '';
      return {
        detail: `${fmt(sum((s) => s.recordsAppended))} candles appended from ${fmt(sum((s) => s.daysRead))} day files (${fmt(sum((s) => s.bytesRead))} bytes read)${together}${repairs ? `, ${repairs} repairs` : ''}`,
        counters: { recordsAppended: sum((s) => s.recordsAppended), bytesRead: sum((s) => s.bytesRead), daysRead: sum((s) => s.daysRead), repairs, fusedRecordsAppended: sum((s) => s.recordsAppended, inFused) },
      };
    },
  };
}

export function resampleStage(ctx: RunContext): PipelineStage {
  return {
    stage: 'Resample',
    async run(signal) {
      const tasks = planResample(ctx.layout, ctx.config, ctx.series, ctx.now());
      const bar = ctx.progress.stage('resample', tasks.length, 'symbols');
      try {
        const s = await runResample(tasks, { threads: threadCount(ctx.config.workers), signal, onProgress: (done) => bar.update(done) });
        for (const m of s.repairs) ctx.log(`repair: ${m}`);
        return {
          detail: `${fmt(s.barsClosed)} bars closed, ${fmt(s.filesChanged)} timeframe files updated, ${fmt(s.rowsRead)} source rows read (${formatBytes(s.bytesRead)})${s.repairs.length ? `, ${s.repairs.length} repairs` : ''}`,
          counters: { barsClosed: s.barsClosed, filesChanged: s.filesChanged, rowsRead: s.rowsRead, bytesRead: s.bytesRead, repairs: s.repairs.length },
        };
      } finally {
        bar.stop();
      }
    },
  };
}

export function pipelineStages(ctx: RunContext, opts: RangeOptions & TransformStageOptions): PipelineStage[] {
  const rangeOf = rangeOnce(ctx, opts);
  const fused: FusedOutcome = { symbols: new Set(), results: [] };
  return [...(opts.download ? [downloadStage(ctx, rangeOf)] : []), transformStage(ctx, rangeOf, fused, opts), aggregateStage(ctx, rangeOf, fused), resampleStage(ctx)];
}
