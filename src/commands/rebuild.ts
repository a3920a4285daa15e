// `candlestore rebuild full|aggregate|resample|weekly`: delete derived layers of the selected symbols
// (under the run lock, so never beside a running `run`) and run the pipeline again.
//   resample  = resampled timeframes
//   aggregate = aggregate store (+ its CSV mirror and index) and everything resampled from it
//   full      = transform day files too (the raw cache stays)
//   weekly    = also re-download the last 7 closed days, then rebuild full
// `--from`/`--to` bound the rebuilt stores like `run`'s (full, aggregate, weekly): a rebuilt 1m store starts at
// --from (default: the earliest cached day) and ends at --to. `resample` rebuilds from the whole 1m store, so
// it refuses a range rather than ignore it.
import { readdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

import { ConfigError } from '../errors.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { RunContext } from '../pipeline/context.js';
import { formatSummary, runStages, type RunSummary } from '../pipeline/run.js';
import { pipelineStages } from '../pipeline/stages.js';
import { checkRangeArguments } from '../pipeline/range.js';
import { listFlatDayFiles, listTreeDayFiles } from '../util/dayFiles.js';
import { DAY_MS, startOfDay } from '../util/dates.js';
import { fsyncDir } from '../util/fsx.js';

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
  const codes = new Set(ctx.symbols.map(symbolFileName));
  const files: string[] = [];
  for (const symbol of ctx.symbols) {
    for (const tf of await listDir(layout.resampleDir)) files.push(layout.resampleIndex(tf, symbol), layout.resampleStore(tf, symbol));
  }
  if (target !== 'resample') {
    for (const symbol of ctx.symbols) files.push(layout.aggregateIndex(symbol), layout.aggregateStore(symbol), layout.aggregateCsv(symbol));
  }
  if (target === 'full' || target === 'weekly') {
    for (const f of await listTreeDayFiles(layout.transformDir, 'bin')) if (codes.has(f.code)) files.push(f.path);
    for (const f of await listFlatDayFiles(layout.tempDir, 'bin')) if (codes.has(f.code)) files.push(f.path);
  }
  if (target === 'weekly') {
    const firstKept = startOfDay(ctx.now()) - 7 * DAY_MS;
    for (const f of await listTreeDayFiles(layout.cacheDir, 'json')) if (codes.has(f.code) && f.day >= firstKept) files.push(f.path);
  }
  // Dependents before their sources (resampled, then aggregate, then day files) and each index before its
  // store, and the index removals made durable (folder fsync) before anything else goes: a crash or power loss
  // half-way leaves stores without an index (no index = nothing committed), which the next run rebuilds from
  // what is left, never an index whose store is gone (refused as damage).
  const isIndex = (f: string) => f.endsWith('.idx');
  for (const f of files.filter(isIndex)) await rm(f, { force: true });
  for (const dir of new Set(files.filter(isIndex).map((f) => dirname(f)))) await fsyncDir(dir).catch(ignoreMissing);
  for (const f of files.filter((f) => !isIndex(f))) await rm(f, { force: true });
  return files.length;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}



/** A folder that does not exist has nothing to make durable. */
function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}
