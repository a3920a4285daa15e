// §1 Cold pipeline and §6 memory: `run --no-download` of a root from its raw cache (transform → aggregate →
// resample, every timeframe), each repetition in a fresh child process (child/pipeline.ts) after deleting
// data/. The first repetition runs after dropping the OS page cache (the JSON comes from disk), the others
// warm. Per stage: seconds, candles/s and MB/s; end to end: the whole coordinator run; the child's peak RSS.
// A cold run takes the fused path (src/cold/: each symbol's days converted and appended in one pass), so
// its Transform stage does the aggregate's work too: its figure is reported as the fused pass, and the
// transform and aggregate stages are measured apart by extra warm repetitions run stage by stage
// (`--stage-by-stage`: what `rebuild aggregate` and a transform-only run do), interleaved with the others.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync, statSync } from 'node:fs';
import { Layout } from '../src/paths.js';
import { HEADER_SIZE, RECORD_SIZE } from '../src/store/format.js';
import type { PipelineChildResult } from './child/pipeline.js';
import { clearDerived, type RawCache } from './dataset.js';
import { childResult, dropPageCache, median, runNode } from './measure.js';

export const PIPELINE_CHILD = fileURLToPath(new URL('./child/pipeline.js', import.meta.url));

export interface StageFigures {
  seconds: number;
  candlesPerSec: number;
  /** MB (10^6 bytes) per second of the stage's input. */
  mbPerSec: number;
  /** What `mbPerSec` counts. */
  bytesOf: string;
  /** CPU seconds of all threads ÷ wall seconds: how many of the cores the stage kept busy. */
  coresBusy: number;
  /** Candles per CPU-second (all threads): less sensitive than candlesPerSec to other jobs on the machine. */
  candlesPerCpuSec: number;
}

export interface Figures {
  /** Stage-by-stage runs only: the transform stage alone. */
  transform?: StageFigures;
  /** Stage-by-stage runs only: the aggregate stage alone (day files read back). */
  aggregate?: StageFigures;
  /** Fused runs only: transform and aggregate in one pass (the Transform stage, plus the Aggregate stage's remainder). */
  fused?: StageFigures;
  resample: StageFigures;
  endToEnd: StageFigures;
  /** Child process spawn to exit (node start-up and module loading included). */
  processSeconds: number;
  maxRssKb: number;
}

export interface ColdRep {
  cache: 'cold' | 'warm';
  /** Run with `--stage-by-stage` (no fused path). */
  stageByStage: boolean;
  child: PipelineChildResult;
  wallSeconds: number;
  /** GNU time's figure when available, else the child's own maxRSS. */
  maxRssKb: number;
  figures: Figures;
}

export interface ColdResult {
  root: string;
  candles1m: number;
  jsonBytes: number;
  store1mBytes: number;
  resampledBytes: number;
  pageCacheDropped: boolean;
  reps: ColdRep[];
  /** Medians of the warm repetitions (the default, fused path). */
  warm: Figures;
  /** Medians of the warm stage-by-stage repetitions (undefined when none ran). */
  stageByStage: Figures | undefined;
  /** The repetition after dropping the page cache (undefined when not permitted). */
  cold: Figures | undefined;
}

export const RUN_NOW = (spec: { to: string }) => `${nextDay(spec.to)}T00:00:00Z`;

function nextDay(iso: string): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** One cold run of `root` in a child process; `nodeFlags` e.g. --cpu-prof. */
export async function runPipelineChild(root: string, now: string, nodeFlags: string[] = [], stageByStage = false): Promise<{ child: PipelineChildResult; wallSeconds: number; maxRssKb: number }> {
  clearDerived(root);
  const r = await runNode([...nodeFlags, PIPELINE_CHILD, '--root', root, '--now', now, ...(stageByStage ? ['--stage-by-stage'] : [])]);
  const child = childResult<PipelineChildResult>(r, `cold pipeline of ${root}`);
  return { child, wallSeconds: r.wallSeconds, maxRssKb: r.maxRssKb ?? child.maxRssKb };
}

/**
 * `warmReps` warm repetitions, after one with the page cache dropped when `coldCache` and permitted, and
 * `stagedReps` warm stage-by-stage repetitions interleaved with the warm ones (transform and aggregate apart).
 */
export async function measureCold(data: RawCache, warmReps: number, log: (line: string) => void, coldCache = true, stagedReps = 0): Promise<ColdResult> {
  if (warmReps < 1) throw new RangeError('measureCold needs at least one warm repetition');
  const now = RUN_NOW(data.spec);
  const reps: ColdRep[] = [];
  let pageCacheDropped = false;
  const plan: { cache: 'cold' | 'warm'; stageByStage: boolean }[] = [{ cache: 'cold', stageByStage: false }];
  for (let i = 0; i < Math.max(warmReps, stagedReps); i++) {
    if (i < warmReps) plan.push({ cache: 'warm', stageByStage: false });
    if (i < stagedReps) plan.push({ cache: 'warm', stageByStage: true });
  }
  for (const [i, p] of plan.entries()) {
    clearDerived(data.root);
    // Repetition 0 reads the raw JSON from disk; without permission to drop the page cache it is skipped.
    if (p.cache === 'cold' && !(coldCache && (pageCacheDropped = dropPageCache()))) continue;
    const run = await runPipelineChild(data.root, now, [], p.stageByStage);
    const rep: ColdRep = { ...p, ...run, figures: undefined as unknown as Figures };
    reps.push(rep);
    log(`  cold pipeline rep ${i} (${rep.cache} page cache${p.stageByStage ? ', stage by stage' : ''}): ${run.child.seconds.toFixed(2)} s in-process, ${run.wallSeconds.toFixed(2)} s process, ${(run.maxRssKb / 1024).toFixed(0)} MiB peak RSS`);
  }
  const sizes = storeSizes(data.root, data.spec.symbols.map((s) => s.name));
  const candles1m = (sizes.store1m - sizes.stores1m * HEADER_SIZE) / RECORD_SIZE;
  for (const rep of reps) rep.figures = figuresOf(rep, data.jsonBytes, candles1m, sizes.store1m);
  const warmReps_ = reps.filter((r) => r.cache === 'warm' && !r.stageByStage);
  const staged = reps.filter((r) => r.cache === 'warm' && r.stageByStage);
  return {
    root: data.root,
    candles1m,
    jsonBytes: data.jsonBytes,
    store1mBytes: sizes.store1m,
    resampledBytes: sizes.resampled,
    pageCacheDropped,
    reps,
    warm: medianFigures(warmReps_.map((r) => r.figures)),
    stageByStage: staged.length > 0 ? medianFigures(staged.map((r) => r.figures)) : undefined,
    cold: reps.find((r) => r.cache === 'cold')?.figures,
  };
}

function figuresOf(rep: Omit<ColdRep, 'figures'>, jsonBytes: number, candles1m: number, store1mBytes: number): Figures {
  const stage = (name: string) => {
    const s = rep.child.stages.find((x) => x.stage === name);
    if (!s) throw new Error(`the cold run has no ${name} stage`);
    return s;
  };
  const t = stage('Transform');
  const a = stage('Aggregate');
  const r = stage('Resample');
  const fig = (seconds: number, cpu: number, candles: number, bytes: number, bytesOf: string): StageFigures => ({ seconds, candlesPerSec: candles / seconds, mbPerSec: bytes / 1e6 / seconds, bytesOf, coresBusy: cpu / seconds, candlesPerCpuSec: candles / cpu });
  const cpuAll = rep.child.stages.reduce((n, s) => n + s.cpuSeconds, 0);
  // A fused run's Transform stage appended the records too (the Aggregate stage had what was left, if anything).
  const fused = (t.counters.fusedSymbols ?? 0) > 0;
  return {
    ...(fused
      ? { fused: fig(t.seconds + a.seconds, t.cpuSeconds + a.cpuSeconds, t.counters.candles, t.counters.bytesIn, 'raw JSON read') }
      : {
          transform: fig(t.seconds, t.cpuSeconds, t.counters.candles, t.counters.bytesIn, 'raw JSON read'),
          aggregate: fig(a.seconds, a.cpuSeconds, a.counters.recordsAppended, a.counters.bytesRead, '1m day files read'),
        }),
    resample: fig(r.seconds, r.cpuSeconds, candles1m, store1mBytes, '1m store (every timeframe built from it)'),
    endToEnd: fig(rep.child.seconds, cpuAll, t.counters.candles, jsonBytes, 'raw JSON'),
    processSeconds: rep.wallSeconds,
    maxRssKb: rep.maxRssKb,
  };
}

function medianFigures(all: Figures[]): Figures {
  const st = (k: 'transform' | 'aggregate' | 'fused' | 'resample' | 'endToEnd'): StageFigures | undefined => {
    const has = all.map((f) => f[k]).filter((x): x is StageFigures => x !== undefined);
    if (has.length === 0) return undefined;
    return {
      seconds: median(has.map((f) => f.seconds)),
      candlesPerSec: median(has.map((f) => f.candlesPerSec)),
      mbPerSec: median(has.map((f) => f.mbPerSec)),
      bytesOf: has[0].bytesOf,
      coresBusy: median(has.map((f) => f.coresBusy)),
      candlesPerCpuSec: median(has.map((f) => f.candlesPerCpuSec)),
    };
  };
  return {
    transform: st('transform'),
    aggregate: st('aggregate'),
    fused: st('fused'),
    resample: st('resample')!,
    endToEnd: st('endToEnd')!,
    processSeconds: median(all.map((f) => f.processSeconds)),
    maxRssKb: median(all.map((f) => f.maxRssKb)),
  };
}

/** Bytes of the 1m stores and of every resampled timeframe file under `root`. */
export function storeSizes(root: string, symbols: readonly string[]): { store1m: number; stores1m: number; resampled: number } {
  let store1m = 0;
  const layout = new Layout(root);
  for (const s of symbols) store1m += statSync(layout.aggregateStore(s)).size;
  let resampled = 0;
  const dir = layout.resampleDir;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.bin')) resampled += statSync(join(e.parentPath, e.name)).size;
  }
  return { store1m, stores1m: symbols.length, resampled };
}
