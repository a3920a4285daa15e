// The stages of `run --no-download`, as the pipeline composes them (src/pipeline/stages.ts), with the
// Resample stage guaranteed: taken from pipelineStages once `run` has it, else built here on the resample
// module's own API (src/resample/stage.ts: planResample + runResample), which is what `run` will call.
// Without either, the bench stops with a message naming what is missing: a cold pipeline without its
// resample stage is not the figure the targets are about.
import type { RunContext } from '../src/pipeline/context.js';
import type { PipelineStage } from '../src/pipeline/run.js';
import { pipelineStages } from '../src/pipeline/stages.js';
import { threadCount } from '../src/pipeline/pool.js';

/** What the bench needs of src/resample/stage.ts (checked at run time: the module is being written). */
interface ResampleModule {
  planResample(layout: RunContext['layout'], config: RunContext['config'], symbols: readonly string[]): unknown[] | Promise<unknown[]>;
  runResample(tasks: readonly unknown[], opts: { threads: number; signal?: AbortSignal }): Promise<{ symbols: number; barsClosed: number; rowsRead: number; bytesRead: number; filesChanged: number }>;
}

export interface BenchStages {
  stages: PipelineStage[];
  /** 'run': pipelineStages has Resample; 'module': the bench calls src/resample/stage.ts itself. */
  resampleFrom: 'run' | 'module';
}

export class MissingResampleError extends Error {
  constructor(detail: string) {
    super(`the Resample stage is missing: pipelineStages() (src/pipeline/stages.ts) has no 'Resample' stage and ${detail}. The bench measures transform → aggregate → resample and will not report a pipeline without it.`);
    this.name = 'MissingResampleError';
  }
}

export async function coldStages(ctx: RunContext): Promise<BenchStages> {
  const stages = pipelineStages(ctx, { download: false });
  if (stages.some((s) => s.stage === 'Resample')) return { stages, resampleFrom: 'run' };
  return { stages: [...stages, await resampleStageFromModule(ctx)], resampleFrom: 'module' };
}

/** A Resample stage over src/resample/stage.ts, shaped like the other stages of `run`. */
export async function resampleStageFromModule(ctx: RunContext): Promise<PipelineStage> {
  const mod = await loadResampleModule();
  return {
    stage: 'Resample',
    async run(signal) {
      const tasks = await mod.planResample(ctx.layout, ctx.config, ctx.symbols);
      const s = await mod.runResample(tasks, { threads: threadCount(ctx.config.workers), signal });
      return {
        detail: `${s.symbols} symbols, ${s.barsClosed} bars closed, ${s.rowsRead} rows read`,
        counters: { symbols: s.symbols, barsClosed: s.barsClosed, rowsRead: s.rowsRead, bytesRead: s.bytesRead, filesChanged: s.filesChanged },
      };
    },
  };
}

export async function loadResampleModule(): Promise<ResampleModule> {
  // A computed specifier: the bench must compile (and say what is missing) even while the module is absent.
  const specifier = ['..', 'src', 'resample', 'stage.js'].join('/');
  let mod: Partial<ResampleModule>;
  try {
    mod = (await import(specifier)) as Partial<ResampleModule>;
  } catch (err) {
    throw new MissingResampleError(`src/resample/stage.ts cannot be loaded (${(err as Error).message})`);
  }
  if (typeof mod.planResample !== 'function' || typeof mod.runResample !== 'function') {
    throw new MissingResampleError('src/resample/stage.ts does not export planResample and runResample');
  }
  return mod as ResampleModule;
}
