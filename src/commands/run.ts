// `candlestore run`: the incremental pipeline over the context's symbols.
import type { RunContext } from '../pipeline/context.js';
import { formatSummary, runStages, type RunSummary } from '../pipeline/run.js';
import { pipelineStages, type RangeOptions } from '../pipeline/stages.js';
import { checkDefinitions } from '../pipeline/definitions.js';
import { checkRangeArguments } from '../pipeline/range.js';
import { prepareInstruments } from '../pipeline/instruments.js';

export interface RunCommandOptions extends RangeOptions {
  signal?: AbortSignal;
  /** Rebuild what was built with other settings instead of stopping with exit 2. */
  rebuildOnChange?: boolean;
}

export async function runCommand(ctx: RunContext, opts: RunCommandOptions): Promise<RunSummary> {
  checkRangeArguments(opts, 'run');
  const range: RangeOptions = { ...opts };
  // Under the lock, before the download: a store built with other settings stops the run (exit 2) or,
  // with --rebuild-on-change, is deleted here and built again by the stages, from the cache like `rebuild`.
  const prepare = async () => {
    // First the instrument documents: an unknown symbol stops here, before any day is fetched.
    await prepareInstruments(ctx, { download: opts.download, signal: opts.signal });
    const check = await checkDefinitions(ctx, { rebuildOnChange: opts.rebuildOnChange ?? false });
    if (check.rebuiltSymbols.length > 0) range.fromCache = true;
  };
  const summary = await runStages(ctx, pipelineStages(ctx, range), opts.signal, prepare);
  ctx.log(formatSummary(summary));
  return summary;
}
