// §2 Incremental: the daily cron. Two roots hold the same 26 symbols, built up to a live day; then `--now`
// moves one day at a time and the real CLI `run` (bin/candlestore.js → the bundle dist/cli.mjs, as a user
// runs it) brings them up to date (one closed day finished, the new live day started, every timeframe), timed
// from spawn to exit:
//   A  download included: `run --now T` against `sim` (started in-process; aliases via aliasFront.ts);
//   B  download excluded: the same download stage runs first in this process (untimed), then
//      `run --no-download --now T` is timed.
// A and B must end byte-identical (stores, indexes, day files). The full build of B from its cache (no
// download) is the "full rebuild" the incremental run is compared with.
// The same download-excluded steps then run on a root with `longHistoryDays` of history (5 years by default):
// an incremental run must cost the same whatever the history behind it. Last, the fixed costs: a no-op `run`
// (nothing new) on both roots, `candlestore --version` and bare `node -e 0` (the floor of any process).
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildContext } from '../src/pipeline/context.js';
import { downloadStage, rangeOnce } from '../src/pipeline/stages.js';
import { prepareInstruments } from '../src/pipeline/instruments.js';
import { startSim } from '../src/sim/server.js';
import { HEADER_SIZE, RECORD_SIZE } from '../src/store/format.js';
import { DAY_MS, HOUR_MS, formatDay, parseDay } from '../src/util/dates.js';
import { startAliasFront } from './aliasFront.js';
import type { Preset } from './config.js';
import { ensureRawCache, linkTree, writeRootFiles, BENCH_DATA } from './dataset.js';
import { median, runNode, warmFiles, type ChildResult } from './measure.js';
import { requireStages } from './stages.js';
import { maskGeneration } from '../test/helpers/common.js';

/** The launcher users run; it loads the bundle (`npm run bench` builds it first). From bench/dist/bench/*.js or bench/*.ts alike. */
const CLI = fileURLToPath(new URL(import.meta.url.includes('/bench/dist/') ? '../../../bin/candlestore.js' : '../bin/candlestore.js', import.meta.url));
const BUNDLE = new URL('../dist/cli.mjs', pathToFileURL(CLI));
/** Repetitions of each fixed-cost figure (no-op run, --version, node -e 0): medians of these. */
const FIXED_REPS = 7;

export interface CliRun {
  /** Spawn to exit. */
  wallSeconds: number;
  /** The summary's total (in-process: lock, stages). */
  inProcessSeconds: number;
  stages: Record<string, number>;
  maxRssKb: number | undefined;
}

export interface IncrementalStep {
  now: string;
  withDownload: CliRun;
  withoutDownload: CliRun;
}

export interface IncrementalResult {
  symbols: number;
  aliases: number;
  historyDays: number;
  /** 1m candles in the stores of one root at the end. */
  storeCandles: number;
  fullBuild: { withDownload: CliRun; fromCache: CliRun };
  steps: IncrementalStep[];
  median: { withDownload: number; withoutDownload: number; inProcessWithoutDownload: number };
  /** Incremental (download excluded) / full build from the cache, both whole-command wall times. */
  ratioToFullBuild: number;
  /** `candlestore --version` (median wall): node start-up and the CLI's own loading. */
  cliStartupSeconds: number;
  /** `node -e 0` (median wall): the floor of any node process on this machine. */
  nodeFloorSeconds: number;
  identical: boolean;
  simRequests: number;
  /** `run --no-download` again at the same --now: nothing new, the fixed cost of a run (the median run by wall). */
  noopRun: CliRun;
  noopRuns: CliRun[];
  /** The same download-excluded steps on a root with `historyDays` of history (cost independent of history). */
  longHistory: HistoryRoot;
  /** With a profile directory: one more download-excluded step under --cpu-prof (not in the medians). */
  profiledStep?: CliRun;
}

export interface HistoryRoot {
  historyDays: number;
  storeCandles: number;
  fullBuildFromCache: CliRun;
  steps: CliRun[];
  median: { withoutDownload: number; inProcessWithoutDownload: number };
  noopRun: CliRun;
  noopRuns: CliRun[];
}

export async function measureIncremental(preset: Preset, log: (line: string) => void, opts: { profileDir?: string } = {}): Promise<IncrementalResult> {
  if (!existsSync(BUNDLE)) throw new Error(`${fileURLToPath(BUNDLE)} is missing: run \`npm run build\` first (npm run bench does)`);
  const inc = preset.incremental;
  const firstLive = parseDay(inc.firstLiveDay);
  const from = firstLive - inc.historyDays * DAY_MS;
  const raw = ensureRawCache({ name: `incr-26x${inc.historyDays}d`, symbols: inc.symbols, from: formatDay(from), to: formatDay(firstLive - DAY_MS), seed: 1 }, log);
  const longFrom = firstLive - inc.longHistoryDays * DAY_MS;
  const longRaw = ensureRawCache({ name: `incr-26x${inc.longHistoryDays}d`, symbols: inc.symbols, from: formatDay(longFrom), to: formatDay(firstLive - DAY_MS), seed: 1 }, log);
  let clock = firstLive + inc.liveHourUtc * HOUR_MS;
  const sim = await startSim({ port: 0, seed: 1, now: () => clock });
  const front = await startAliasFront(sim.url, inc.symbols);
  const roots = { A: join(BENCH_DATA, 'incr-A'), B: join(BENCH_DATA, 'incr-B'), long: join(BENCH_DATA, 'incr-long') };
  const config = (start: number) =>
    [
      'download:',
      `  base_url: ${front.url}`,
      `  start_date: "${formatDay(start)}"`,
      '  rate_limit_rps: 1000',
      '  concurrency: 8',
      '  backoff_ms: 50',
      '  backoff_max_ms: 1000',
      '',
    ].join('\n');
  const makeRoot = (root: string, cache: string, start: number) => {
    rmSync(root, { recursive: true, force: true });
    linkTree(join(cache, 'cache'), join(root, 'cache'));
    writeRootFiles(root, inc.symbols, config(start));
  };
  try {
    makeRoot(roots.A, raw.root, from);
    makeRoot(roots.B, raw.root, from);
    makeRoot(roots.long, longRaw.root, longFrom);
    const iso = () => new Date(clock).toISOString();
    // The download stage of a download-excluded root, in this process and untimed: as `run` does it, the
    // instrument documents first (they decide decimals and the first day), then the days.
    const download = async (root: string, first: number) => {
      const ctx = await buildContext({ root, now: clock, quiet: true });
      await prepareInstruments(ctx, { download: true });
      await downloadStage(ctx, rangeOnce(ctx, { download: true, from: first })).run(new AbortController().signal);
    };
    warmFiles(join(raw.root, 'cache'));
    log(`  incremental: full builds of ${inc.symbols.length} symbols × ${inc.historyDays} days (live day ${iso()})`);
    const fullA = await cli(['run', '--root', roots.A, '--from', formatDay(from), '--now', iso()]);
    await download(roots.B, from);
    const fullB = await cli(['run', '--root', roots.B, '--no-download', '--now', iso()]);
    const steps: IncrementalStep[] = [];
    for (let k = 1; k <= inc.steps; k++) {
      clock += DAY_MS;
      const withDownload = await cli(['run', '--root', roots.A, '--now', iso()]);
      await download(roots.B, from);
      const withoutDownload = await cli(['run', '--root', roots.B, '--no-download', '--now', iso()]);
      steps.push({ now: iso(), withDownload, withoutDownload });
      log(`  incremental step ${k} (--now ${iso()}): ${withDownload.wallSeconds.toFixed(3)} s with download, ${withoutDownload.wallSeconds.toFixed(3)} s without (${withoutDownload.inProcessSeconds.toFixed(3)} s in-process)`);
    }
    const identical = sameTrees(join(roots.A, 'data'), join(roots.B, 'data'), ['locks']);
    const noopRuns = await repeatCli(['run', '--root', roots.B, '--no-download', '--now', iso()]);
    let profiledStep: CliRun | undefined;
    if (opts.profileDir) {
      clock += DAY_MS;
      await download(roots.B, from);
      profiledStep = await cli(['run', '--root', roots.B, '--no-download', '--now', iso()], ['--cpu-prof', '--cpu-prof-dir', opts.profileDir]);
    }

    // The long root: the same live days, `longHistoryDays` of history behind them.
    clock = firstLive + inc.liveHourUtc * HOUR_MS;
    warmFiles(join(longRaw.root, 'cache'));
    log(`  incremental: full build of ${inc.symbols.length} symbols × ${inc.longHistoryDays} days from the cache (live day ${iso()})`);
    await download(roots.long, longFrom);
    const longFull = await cli(['run', '--root', roots.long, '--no-download', '--now', iso()]);
    const longSteps: CliRun[] = [];
    for (let k = 1; k <= inc.steps; k++) {
      clock += DAY_MS;
      await download(roots.long, longFrom);
      const step = await cli(['run', '--root', roots.long, '--no-download', '--now', iso()]);
      longSteps.push(step);
      log(`  incremental step ${k} on ${inc.longHistoryDays} days of history (--now ${iso()}): ${step.wallSeconds.toFixed(3)} s without download (${step.inProcessSeconds.toFixed(3)} s in-process)`);
    }
    const longNoops = await repeatCli(['run', '--root', roots.long, '--no-download', '--now', iso()]);

    const startup: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < FIXED_REPS; i++) {
      startup.push((await runNode([CLI, '--version'], { timed: false })).wallSeconds);
      floor.push((await runNode(['-e', '0'], { timed: false })).wallSeconds);
    }
    const withoutDownload = median(steps.map((s) => s.withoutDownload.wallSeconds));
    return {
      symbols: inc.symbols.length,
      aliases: inc.symbols.filter((s) => s.name !== s.source).length,
      historyDays: inc.historyDays,
      storeCandles: storeCandles(roots.A),
      fullBuild: { withDownload: fullA, fromCache: fullB },
      steps,
      median: {
        withDownload: median(steps.map((s) => s.withDownload.wallSeconds)),
        withoutDownload,
        inProcessWithoutDownload: median(steps.map((s) => s.withoutDownload.inProcessSeconds)),
      },
      ratioToFullBuild: withoutDownload / fullB.wallSeconds,
      cliStartupSeconds: median(startup),
      nodeFloorSeconds: median(floor),
      identical,
      noopRun: medianRun(noopRuns),
      noopRuns,
      longHistory: {
        historyDays: inc.longHistoryDays,
        storeCandles: storeCandles(roots.long),
        fullBuildFromCache: longFull,
        steps: longSteps,
        median: { withoutDownload: median(longSteps.map((s) => s.wallSeconds)), inProcessWithoutDownload: median(longSteps.map((s) => s.inProcessSeconds)) },
        noopRun: medianRun(longNoops),
        noopRuns: longNoops,
      },
      simRequests: front.requests,
      profiledStep,
    };
  } finally {
    await front.close();
    await sim.close();
  }
}

/** The same CLI command FIXED_REPS times (nothing changes between them). */
async function repeatCli(args: string[]): Promise<CliRun[]> {
  const runs: CliRun[] = [];
  for (let i = 0; i < FIXED_REPS; i++) runs.push(await cli(args));
  return runs;
}

/** The run whose wall time is the median (lower middle for an even count). */
function medianRun(runs: readonly CliRun[]): CliRun {
  return [...runs].sort((a, b) => a.wallSeconds - b.wallSeconds)[(runs.length - 1) >> 1];
}

/** Run the CLI; parse its summary (stage lines and total); a run without every measured stage is an error. */
async function cli(args: string[], nodeFlags: string[] = []): Promise<CliRun> {
  const r: ChildResult = await runNode([...nodeFlags, CLI, ...args]);
  if (r.code !== 0) throw new Error(`candlestore ${args.join(' ')} exited ${r.code}:\n${r.stderr.trim()}`);
  const stages: Record<string, number> = {};
  let total = NaN;
  for (const m of r.stdout.matchAll(/^ {2}(\S+)\s+([\d.]+)s/gm)) {
    if (m[1] === 'total') total = Number(m[2]);
    else stages[m[1]] = Number(m[2]);
  }
  requireStages(Object.keys(stages), `\`candlestore ${args[0]}\` (its summary)`);
  return { wallSeconds: r.wallSeconds, inProcessSeconds: total, stages, maxRssKb: r.maxRssKb };
}

function storeCandles(root: string): number {
  const dir = join(root, 'data', 'aggregate', '1m');
  let n = 0;
  for (const f of readdirSync(dir)) if (f.endsWith('.bin')) n += (statSync(join(dir, f)).size - HEADER_SIZE) / RECORD_SIZE;
  return n;
}

/** Byte-equal trees (file names and contents), ignoring the top-level folders in `skip`. */
function sameTrees(a: string, b: string, skip: string[]): boolean {
  const list = (root: string) =>
    readdirSync(root, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => relative(root, join(e.parentPath, e.name)))
      .filter((p) => !skip.includes(p.split('/')[0]))
      .sort();
  const fa = list(a);
  const fb = list(b);
  if (fa.join('\n') !== fb.join('\n')) return false;
  // Store generation ids are random per file incarnation (docs/format.md): compared apart from the data.
  return fa.every((p) => maskGeneration(p, readFileSync(join(a, p))).equals(maskGeneration(p, readFileSync(join(b, p)))));
}
