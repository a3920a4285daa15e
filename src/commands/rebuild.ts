// `candlestore rebuild full|aggregate|resample|weekly`: delete derived layers of the selected symbols
// (under the run lock, so never beside a running `run`) and run the pipeline again.
//   resample  = resampled timeframes
//   aggregate = aggregate store (+ its CSV mirror and index) and everything resampled from it
//   full      = transform day files too (the raw cache stays)
//   weekly    = also re-download the last 7 closed days, then rebuild full
// `--from`/`--to` bound the rebuilt stores like `run`'s (full, aggregate, weekly): a rebuilt 1m store starts at
// --from (default: the earliest cached day) and ends at --to. `resample` rebuilds from the whole 1m store, so
// it refuses a range rather than ignore it.
import { ConfigError } from '../errors.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { RunContext } from '../pipeline/context.js';
import { formatSummary, runStages, type RunSummary } from '../pipeline/run.js';
import { pipelineStages } from '../pipeline/stages.js';
import { checkRangeArguments } from '../pipeline/range.js';
import { prepareInstruments } from '../pipeline/instruments.js';
import { listTreeDayFiles } from '../util/dayFiles.js';
import { derivedFiles, removeFiles } from '../pipeline/derived.js';
import { checkDefinitions } from '../pipeline/definitions.js';
import { DAY_MS, startOfDay } from '../util/dates.js';

import { REBUILD_TARGETS, type RebuildTarget } from './rebuildTargets.js';

export interface RebuildRange {
  from?: number;
  to?: number;
}

export async function rebuildCommand(ctx: RunContext, what: string, signal?: AbortSignal, range: RebuildRange = {}): Promise<RunSummary> {
  if (!(REBUILD_TARGETS as readonly string[]).includes(what)) {
    throw new ConfigError(`rebuild what? ${JSON.stringify(what)} is not one of ${REBUILD_TARGETS.join(', ')}`, undefined, 'BAD_USAGE');
  }
  const target = what as RebuildTarget;
  checkRangeArguments(range, `rebuild ${target}`);
  if (target === 'resample' && (range.from !== undefined || range.to !== undefined)) {
    throw new ConfigError('rebuild resample: --from/--to do not apply (timeframes are rebuilt from the whole 1m store); use `rebuild aggregate` with the range', undefined, 'BAD_USAGE');
  }
  const prepare = async () => {
    // The instrument documents first (`weekly` fetches them again): an unknown symbol stops here.
    await prepareInstruments(ctx, { download: true, refresh: target === 'weekly', signal });
    // What the rebuild keeps must still match the config (`rebuild resample` after a time shift change
    // would build timeframes over a 1m store of the old time axis): checked before anything is deleted.
    await checkDefinitions(ctx, { rebuildOnChange: false, keeping: target === 'weekly' ? 'full' : target });
    const removed = await deleteDerived(ctx, target);
    ctx.log(`rebuild ${target}: removed ${removed} files`);
  };
  const stages = pipelineStages(ctx, { download: true, fromCache: true, from: range.from, to: range.to });
  const summary = await runStages(ctx, stages, signal, prepare);
  ctx.log(formatSummary(summary));
  return summary;
}

async function deleteDerived(ctx: RunContext, target: RebuildTarget): Promise<number> {
  const { layout } = ctx;
  const files = await derivedFiles(layout, ctx.series, target === 'weekly' ? 'full' : target);
  if (target === 'weekly') {
    const codes = new Set(ctx.series.map(symbolFileName));
    const firstKept = startOfDay(ctx.now()) - 7 * DAY_MS;
    for (const f of await listTreeDayFiles(layout.cacheDir, 'json')) if (codes.has(f.code) && f.day >= firstKept) files.push(f.path);
  }
  // Index files first, made durable, then the rest (pipeline/derived.ts).
  return removeFiles(files);
}
