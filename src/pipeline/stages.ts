// The stages of `run`, each a thin adapter from the RunContext to one stage module plus its summary line.
import type { RunContext } from './context.js';
import type { PipelineStage } from './run.js';
import { formatBytes } from './run.js';
import { planTransform, runTransform } from '../transform/stage.js';
import { threadCount } from '../workers/pool.js';
import { readIndexFile } from '../store/indexFile.js';
import { dateToMs } from '../aggregate/dayFiles.js';
import type { AggregateStats } from '../aggregate/aggregate.js';
import { planAggregate, runAggregate } from '../aggregate/stage.js';
import { parseDay, startOfDay } from '../util/dates.js';
import { CancelledError, CorruptFileError } from '../errors.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import { listTreeDayFiles } from '../util/dayFiles.js';
import { planResample, runResample } from '../resample/stage.js';

export interface RangeOptions {
  /** First day to fetch on a first run (default download.start_date). */
  from?: number;
  /** Last day, inclusive (default: today). */
  to?: number;
  /** false: work from the cache only. */
  download: boolean;
  /** Rebuilds: a symbol without a store starts at its earliest cached day rather than start_date. */
  fromCache?: boolean;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function downloadStage(ctx: RunContext, opts: RangeOptions): PipelineStage {
  return {
    stage: 'Download',
    async run(signal) {
      const now = ctx.now();
      const firstRunFrom = opts.from ?? parseDay(ctx.config.download.start_date);
      // A symbol whose store exists continues at its last day (the store is append-only, so earlier days
      // could not be added anyway); --from applies to first runs.
      const fromOf = new Map<string, number>();
      const earliestCached = opts.fromCache ? await earliestCacheDays(ctx) : new Map<string, number>();
      const resume = await resumeDays(ctx, 'Download');
      for (const symbol of ctx.symbols) {
        fromOf.set(symbol, resume.get(symbol) ?? earliestCached.get(symbolFileName(symbol)) ?? firstRunFrom);
      }
      const d = ctx.config.download;
      // Loaded here: the HTTP client is the heaviest import, and `run --no-download` never needs it.
      const { downloadDays } = await import('../download/downloader.js');
      let bar: ReturnType<typeof ctx.progress.stage> | undefined;
      const result = await downloadDays(
        ctx.layout,
        ctx.symbols,
        (s) => fromOf.get(s)!,
        opts.to ?? startOfDay(now),
        now,
        {
          baseUrl: d.base_url,
          rateLimitRps: d.rate_limit_rps,
          concurrency: d.concurrency,
          timeoutMs: d.timeout_ms,
          maxRetries: d.max_retries,
          backoffMs: d.backoff_ms,
          backoffMaxMs: d.backoff_max_ms,
        },
        {
          signal,
          onProgress: (p) => {
            bar ??= ctx.progress.stage('download', p.total, 'days');
            bar.update(p.done, p.symbol);
          },
        },
      ).finally(() => bar?.stop());
      const s = result.stats;
      return {
        detail: `${fmt(s.daysDownloaded)} days downloaded, ${formatBytes(s.bytes)}, ${fmt(s.requests)} requests, ${fmt(s.retries)} retries`,
        counters: { daysDownloaded: s.daysDownloaded, bytes: s.bytes, requests: s.requests, retries: s.retries },
      };
    },
  };
}

/** The last day in each symbol's aggregate store (from its index), where an incremental run resumes. */
async function resumeDays(ctx: RunContext, stage: 'Download' | 'Transform'): Promise<Map<string, number | undefined>> {
  const out = new Map<string, number | undefined>();
  for (const symbol of ctx.symbols) {
    let ix;
    try {
      ix = await readIndexFile(ctx.layout.aggregateIndex(symbol), stage);
    } catch (err) {
      // The aggregate stage would refuse this store: say so here too, with the remedy, not as a bare read error.
      if (!(err instanceof CorruptFileError)) throw err;
      const cut = err.message.lastIndexOf(` (${err.file}`);
      const what = cut > 0 ? err.message.slice(0, cut) : err.message;
      throw new CorruptFileError(stage, err.file, `store damaged: ${what}; run \`candlestore rebuild aggregate\` to rebuild it from the day files`, err.offset, 'STORE_DAMAGED');
    }
    out.set(symbol, ix && ix.lastDate > 0 ? dateToMs(ix.lastDate) : undefined);
  }
  return out;
}

async function earliestCacheDays(ctx: RunContext): Promise<Map<string, number>> {
  const first = new Map<string, number>();
  for (const f of await listTreeDayFiles(ctx.layout.cacheDir, 'json')) if (!first.has(f.code)) first.set(f.code, f.day);
  return first;
}

export function transformStage(ctx: RunContext): PipelineStage {
  return {
    stage: 'Transform',
    async run(signal) {
      // Days before every store's last day are aggregated already: skip listing their month folders.
      const resume = [...(await resumeDays(ctx, 'Transform')).values()];
      const fromDay = resume.every((d) => d !== undefined) ? Math.min(...(resume as number[])) : undefined;
      const tasks = await planTransform(ctx.layout, ctx.config, ctx.symbols, fromDay);
      const bar = ctx.progress.stage('transform', tasks.length, 'days');
      try {
        const s = await runTransform(tasks, { threads: threadCount(ctx.config.workers), signal, onProgress: (done) => bar.update(done) });
        const dropped = s.overlapDropped ? `, ${s.overlapDropped} in DST fall-back overlap dropped` : '';
        return {
          detail: `${fmt(s.days)} days, ${fmt(s.candles)} candles, ${formatBytes(s.bytesIn)} → ${formatBytes(s.bytesOut)}${dropped}`,
          counters: { ...s },
        };
      } finally {
        bar.stop();
      }
    },
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

export function aggregateStage(ctx: RunContext): PipelineStage {
  return {
    stage: 'Aggregate',
    async run(signal) {
      let all: AggregateStats[];
      const bar = ctx.progress.stage('aggregate', ctx.symbols.length, 'symbols');
      try {
        // Symbols in worker threads for a big run, inline with one commit for all of them for a small one.
        all = await runAggregate(
          await planAggregate(ctx.layout, ctx.symbols, ctx.config.aggregate.csv),
          { threads: threadCount(ctx.config.workers), signal, onRepair: (m) => ctx.log(`repair: ${m}`), onProgress: (done) => bar.update(done) },
        );
      } finally {
        bar.stop();
      }
      const sum = (f: (s: AggregateStats) => number) => all.reduce((a, s) => a + f(s), 0);
      const repairs = sum((s) => s.repairs.length);
      return {
        detail: `${fmt(sum((s) => s.recordsAppended))} candles appended from ${fmt(sum((s) => s.daysRead))} day files (${fmt(sum((s) => s.bytesRead))} bytes read)${repairs ? `, ${repairs} repairs` : ''}`,
        counters: { recordsAppended: sum((s) => s.recordsAppended), bytesRead: sum((s) => s.bytesRead), daysRead: sum((s) => s.daysRead), repairs },
      };
    },
  };
}

export function resampleStage(ctx: RunContext): PipelineStage {
  return {
    stage: 'Resample',
    async run(signal) {
      const tasks = planResample(ctx.layout, ctx.config, ctx.symbols);
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

export function pipelineStages(ctx: RunContext, opts: RangeOptions): PipelineStage[] {
  return [...(opts.download ? [downloadStage(ctx, opts)] : []), transformStage(ctx), aggregateStage(ctx), resampleStage(ctx)];
}
