// `candlestore run`: the incremental pipeline over the context's symbols.
import type { RunContext } from '../pipeline/context.js';
import { formatSummary, runStages, type RunSummary } from '../pipeline/run.js';
import { pipelineStages, type RangeOptions } from '../pipeline/stages.js';
import { checkRangeArguments } from '../pipeline/range.js';

export interface RunCommandOptions extends RangeOptions {
  signal?: AbortSignal;
}

export async function runCommand(ctx: RunContext, opts: RunCommandOptions): Promise<RunSummary> {
  checkRangeArguments(opts, 'run');
  const summary = await runStages(ctx, pipelineStages(ctx, opts), opts.signal);
  ctx.log(formatSummary(summary));
  return summary;
}
