// The stages of `run --no-download` exactly as the pipeline composes them (src/pipeline/stages.ts). The
// bench measures transform → aggregate → resample; a pipeline without its Resample stage is not the figure
// the targets are about, so the bench stops with a message naming what is missing instead of skipping it.
import type { RunContext } from '../src/pipeline/context.js';
import type { PipelineStage } from '../src/pipeline/run.js';
import { pipelineStages } from '../src/pipeline/stages.js';

export const MEASURED_STAGES = ['Transform', 'Aggregate', 'Resample'] as const;

export class MissingStageError extends Error {
  constructor(stage: string, where: string) {
    super(`${where} has no '${stage}' stage: the bench measures ${MEASURED_STAGES.join(' → ')} and will not report a pipeline without it`);
    this.name = 'MissingStageError';
  }
}

/** Throw MissingStageError unless every measured stage is among `names`. */
export function requireStages(names: readonly string[], where: string): void {
  for (const s of MEASURED_STAGES) if (!names.includes(s)) throw new MissingStageError(s, where);
}

/** `stageByStage`: no symbol takes the fused cold path (transform and aggregate measured apart). */
export function coldStages(ctx: RunContext, opts: { stageByStage?: boolean } = {}): PipelineStage[] {
  const stages = pipelineStages(ctx, { download: false, fusedMinDays: opts.stageByStage ? Infinity : undefined });
  requireStages(stages.map((s) => s.stage), 'pipelineStages() (src/pipeline/stages.ts)');
  return stages;
}
