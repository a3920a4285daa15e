// §2 Incremental: the daily cron. Two roots hold the same 26 symbols, built up to a live day; then `--now`
// moves one day at a time and the real CLI `run` brings them up to date (one closed day finished, the new
// live day started, every timeframe), timed from spawn to exit:
//   A  download included: `run --now T` against `sim` (started in-process; aliases via aliasFront.ts);
//   B  download excluded: the same download stage runs first in this process (untimed), then
//      `run --no-download --now T` is timed.
// A and B must end byte-identical (stores, indexes, day files). The full build of B from its cache (no
// download) is the "full rebuild" the incremental run is compared with.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildContext } from '../src/pipeline/context.js';
import { downloadStage, rangeOnce } from '../src/pipeline/stages.js';
import { startSim } from '../src/sim/server.js';
import { HEADER_SIZE, RECORD_SIZE } from '../src/store/format.js';
import { DAY_MS, HOUR_MS, formatDay, parseDay } from '../src/util/dates.js';
import { startAliasFront } from './aliasFront.js';
import type { Preset } from './config.js';
import { ensureRawCache, linkTree, writeRootFiles, BENCH_DATA } from './dataset.js';
import { median, runNode, warmFiles, type ChildResult } from './measure.js';
import { requireStages } from './stages.js';
import { maskGeneration } from '../test/helpers/common.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

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
  /** `node cli.js --version`: node start-up and module loading, the floor of any CLI run. */
  cliStartupSeconds: number;
  identical: boolean;
  simRequests: number;
  /** `run --no-download` again at the same --now: nothing new, the fixed cost of a run. */
  noopRun: CliRun;
  /** With a profile directory: one more download-excluded step under --cpu-prof (not in the medians). */
  profiledStep?: CliRun;
}

export async function measureIncremental(preset: Preset, log: (line: string) => void, opts: { profileDir?: string } = {}): Promise<IncrementalResult> {
  const inc = preset.incremental;
  const firstLive = parseDay(inc.firstLiveDay);
  const from = firstLive - inc.historyDays * DAY_MS;
  const raw = ensureRawCache({ name: `incr-26x${inc.historyDays}d`, symbols: inc.symbols, from: formatDay(from), to: formatDay(firstLive - DAY_MS), seed: 1 }, log);
  warmFiles(join(raw.root, 'cache'));
  let clock = firstLive + inc.liveHourUtc * HOUR_MS;
  const sim = await startSim({ port: 0, seed: 1, now: () => clock });
  const front = await startAliasFront(sim.url, inc.symbols);
  const roots = { A: join(BENCH_DATA, 'incr-A'), B: join(BENCH_DATA, 'incr-B') };
  const config = [
    'download:',
    `  base_url: ${front.url}`,
    `  start_date: "${formatDay(from)}"`,
    '  rate_limit_rps: 1000',
    '  concurrency: 8',
    '  backoff_ms: 50',
    '  backoff_max_ms: 1000',
    '',
  ].join('\n');
  try {
    for (const root of Object.values(roots)) {
      rmSync(root, { recursive: true, force: true });
      linkTree(join(raw.root, 'cache'), join(root, 'cache'));
      writeRootFiles(root, inc.symbols, config);
    }
    const iso = () => new Date(clock).toISOString();
    const downloadB = async () => {
      const ctx = await buildContext({ root: roots.B, now: clock, quiet: true });
      await downloadStage(ctx, rangeOnce(ctx, { download: true, from })).run(new AbortController().signal);
    };
    log(`  incremental: full builds of ${inc.symbols.length} symbols × ${inc.historyDays} days (live day ${iso()})`);
    const fullA = await cli(['run', '--root', roots.A, '--from', formatDay(from), '--now', iso()]);
    await downloadB();
    const fullB = await cli(['run', '--root', roots.B, '--no-download', '--now', iso()]);
    const steps: IncrementalStep[] = [];
    for (let k = 1; k <= inc.steps; k++) {
      clock += DAY_MS;
      const withDownload = await cli(['run', '--root', roots.A, '--now', iso()]);
      await downloadB();
      const withoutDownload = await cli(['run', '--root', roots.B, '--no-download', '--now', iso()]);
      steps.push({ now: iso(), withDownload, withoutDownload });
      log(`  incremental step ${k} (--now ${iso()}): ${withDownload.wallSeconds.toFixed(3)} s with download, ${withoutDownload.wallSeconds.toFixed(3)} s without (${withoutDownload.inProcessSeconds.toFixed(3)} s in-process)`);
    }
    const identical = sameTrees(join(roots.A, 'data'), join(roots.B, 'data'), ['locks']);
    const noopRun = await cli(['run', '--root', roots.B, '--no-download', '--now', iso()]);
    let profiledStep: CliRun | undefined;
    if (opts.profileDir) {
      clock += DAY_MS;
      await downloadB();
      profiledStep = await cli(['run', '--root', roots.B, '--no-download', '--now', iso()], ['--cpu-prof', '--cpu-prof-dir', opts.profileDir]);
    }
    const startup: number[] = [];
    for (let i = 0; i < 3; i++) startup.push((await runNode([CLI, '--version'], { timed: false })).wallSeconds);
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
      identical,
      noopRun,
      simRequests: front.requests,
      profiledStep,
    };
  } finally {
    await front.close();
    await sim.close();
  }
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
