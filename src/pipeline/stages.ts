// The stages of `run`, each a thin adapter from the RunContext to one stage module plus its summary line.
import type { RunContext } from './context.js';
import type { PipelineStage } from './run.js';
import { formatBytes } from './run.js';
import { planTransform, runTransform } from '../transform/stage.js';
import { threadCount } from './pool.js';

export interface RangeOptions {
  /** First day to fetch on a first run (default download.start_date). */
  from?: number;
  /** Last day, inclusive (default: today). */
  to?: number;
  /** false: work from the cache only. */
  download: boolean;
}

export function transformStage(ctx: RunContext): PipelineStage {
  return {
    stage: 'Transform',
    async run(signal) {
      const tasks = await planTransform(ctx.layout, ctx.config, ctx.symbols);
      const bar = ctx.progress.stage('transform', tasks.length, 'days');
      try {
        const s = await runTransform(tasks, { threads: threadCount(ctx.config.workers), signal, onProgress: (done) => bar.update(done) });
        const dropped = s.overlapDropped ? `, ${s.overlapDropped} in DST fall-back overlap dropped` : '';
        return {
          detail: `${s.days} days, ${s.candles.toLocaleString('en-US')} candles, ${formatBytes(s.bytesIn)} → ${formatBytes(s.bytesOut)}${dropped}`,
          counters: { ...s },
        };
      } finally {
        bar.stop();
      }
    },
  };
}

export function pipelineStages(ctx: RunContext, opts: RangeOptions): PipelineStage[] {
  void opts;
  return [transformStage(ctx)];
}
