// `npm run bench [-- --quick] [-- --profile] [-- --only cold,incremental,peer,scan,memory,floors,export,api]`
// Generates (or reuses) the datasets under bench/data/, measures every figure of issue #5 in one run,
// prints a Markdown table and writes bench/results.json (bench/results-quick.json with --quick; a partial
// run with --only writes bench/data/partial-results*.json).
// Sections that fail are listed in the table and make the exit code 1; nothing is skipped silently.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Layout } from '../src/paths.js';
import { PRESETS, REFERENCE, TARGETS } from './config.js';
import { measureCold, runPipelineChild, RUN_NOW } from './cold.js';
import { BENCH_DATA, ensureRawCache, writeRootFiles, type RawCache } from './dataset.js';
import { measurePeer } from './duckdb.js';
import { measureExport } from './export.js';
import { measureIncremental } from './incremental.js';
import { describeMachine, dropPageCache, warmFiles } from './measure.js';
import { measureProbes } from './probes.js';
import { formatProfiles, summariseProfiles } from './profile.js';
import { buildRows, formatTable, writeResults, type Results } from './report.js';
import { measureLookup, measureScan } from './scan.js';
import { measureApi } from './api.js';

const SECTIONS = ['cold', 'incremental', 'peer', 'scan', 'memory', 'floors', 'export', 'api'] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
  },
});
const only = new Set((values.only?.split(',') ?? SECTIONS) as Section[]);
for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section ${s} (known: ${SECTIONS.join(', ')})`);
const presetName = values.quick ? 'quick' : 'default';
const preset = PRESETS[presetName];
// A partial run (--only) never replaces the recorded results of a whole run.
const outName = `${values.quick ? 'results-quick' : 'results'}.json`;
const outFile = values.out ?? (values.only ? join(BENCH_DATA, `partial-${outName}`) : join(BENCH_DATA, '..', outName));
const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();

const results: Results = {
  date: new Date().toISOString(),
  preset: `${presetName}: ${preset.label}`,
  machine: describeMachine(),
  loadAvgAtEnd: [],
  benchSeconds: 0,
  datasets: {},
  failures: [],
};
log(`candlestore bench (${results.preset}) on ${results.machine.cores} × ${results.machine.cpu}, node ${results.machine.node}, load average ${results.machine.loadAvgAtStart.join(' ')}`);
const busyAtStart = results.machine.loadAvgAtStart[0] > results.machine.cores / 2;
if (busyAtStart) log(`warning: the machine is busy (load average ${results.machine.loadAvgAtStart[0]} on ${results.machine.cores} cores): other processes take CPU from the runs, figures are low`);
log(dropPageCache() ? 'page cache: can be dropped (cold-cache figures included)' : 'page cache: cannot be dropped here (warm-cache figures only)');

/** Run one section; a failure is recorded (and printed) and the bench goes on. */
async function section(name: string, body: () => Promise<void>): Promise<void> {
  log(`— ${name}`);
  try {
    await body();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    results.failures.push({ section: name, message });
    log(`  FAILED: ${message}`);
  }
}

// A new store starts at download.start_date (a run without --from), so each root starts where its data does.
const utcConfig = (from: string) =>
  `# bench: the default configuration (UTC, default cascade, one worker per core)\nworkers: 0\ndownload:\n  start_date: "${from}"\n`;
let main: RawCache | undefined;
let small: RawCache | undefined;

await section('datasets', async () => {
  main = ensureRawCache(preset.main, log);
  writeRootFiles(main.root, preset.main.symbols, utcConfig(preset.main.from));
  results.datasets.main = summary(main);
  if (only.has('memory') || only.has('api')) {
    small = ensureRawCache(preset.small, log);
    writeRootFiles(small.root, preset.small.symbols, utcConfig(preset.small.from));
    results.datasets.small = summary(small);
  }
});

if (main) {
  const data = main;
  const needsStores = only.has('scan') || only.has('peer') || only.has('floors') || only.has('export') || only.has('api');
  if (only.has('cold') || needsStores) {
    await section('1 cold pipeline', async () => {
      // Other sections only need the stores: one warm run builds them.
      results.cold = only.has('cold') ? await measureCold(data, preset.coldReps, log, true, preset.coldReps) : await measureCold(data, 1, log, false);
    });
  }
  if (only.has('scan')) {
    await section('4 physical limit', async () => {
      results.scan = await measureScan(data, preset.scanReps);
    });
    await section('5 random access', async () => {
      const layout = new Layout(data.root);
      const symbol = data.spec.symbols[0].name;
      results.lookups = [];
      for (const tf of ['1m', '1h']) results.lookups.push(await measureLookup(layout, symbol, tf, preset.window, preset.lookups));
    });
  }
  if (only.has('peer')) {
    await section('3 peer (DuckDB)', async () => {
      results.peer = await measurePeer(data, preset.duckdbReps, log);
    });
  }
  if (only.has('export')) {
    await section('8 export', async () => {
      results.export = await measureExport(data, preset.exportReps, log);
    });
  }
  if (only.has('floors')) {
    await section('floors', async () => {
      results.probes = await measureProbes(data);
    });
  }
}
if (only.has('memory') && small) {
  const data = small;
  await section('6 memory (smaller dataset)', async () => {
    // RSS only: one warm run is enough (its raw days read back into the page cache first).
    warmFiles(join(data.root, 'cache'));
    results.small = await measureCold(data, 1, log, false);
  });
}
if (only.has('api') && main) {
  const large = main;
  await section('7 API', async () => {
    // The 1-year stores: built by the memory section when it ran, else by one warm run here.
    if (small && !only.has('memory')) await measureCold(small, 1, log, false);
    results.api = await measureApi(large.root, small?.root, preset.api, log);
  });
}
if (only.has('incremental')) {
  await section('2 incremental', async () => {
    results.incremental = await measureIncremental(preset, log, { profileDir: values.profile ? profileDir('incremental') : undefined });
  });
}
if (values.profile) {
  await section('profiles', async () => {
    results.profiles = [];
    const w = results.cold?.warm;
    const apart = results.cold?.stageByStage ?? w;
    const missed = w && ((apart?.transform?.candlesPerSec ?? 0) < TARGETS.transform.value || (apart?.aggregate?.mbPerSec ?? 0) * 1e6 < TARGETS.aggregate.value
      || w.resample.candlesPerSec < TARGETS.resample.value || w.endToEnd.candlesPerSec < TARGETS.coldEndToEnd.value);
    if (main && (missed || !w)) {
      const dir = profileDir('cold');
      warmFiles(join(main.root, 'cache')); // profile the warm-cache run the table reports
      const run = await runPipelineChild(main.root, RUN_NOW(main.spec), ['--cpu-prof', '--cpu-prof-dir', dir]);
      results.profiles.push(...summariseProfiles(dir, `cold pipeline (${run.child.seconds.toFixed(2)} s under the profiler)`, run.child.stages));
    }
    const step = results.incremental?.profiledStep;
    if (step) results.profiles.push(...summariseProfiles(profileDir('incremental', false), `incremental step, download excluded (${step.wallSeconds.toFixed(2)} s under the profiler)`));
  });
}

results.loadAvgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
results.benchSeconds = (performance.now() - started) / 1000;
results.rows = buildRows(results);
writeResults(outFile, results);
process.stdout.write(`\n${formatTable(results.rows)}\n\nReference column: ${REFERENCE.machine}, 26 symbols × 20 years.\n`);
if (results.profiles?.length) process.stdout.write(`\nProfiles (self time):\n${formatProfiles(results.profiles)}\n`);
process.stdout.write(`\n${results.preset}; ${results.machine.cores} × ${results.machine.cpu}, ${results.machine.memoryGiB} GiB, node ${results.machine.node}; load average ${results.machine.loadAvgAtStart.join(' ')} → ${results.loadAvgAtEnd.join(' ')}; ${results.benchSeconds.toFixed(0)} s; written to ${outFile}\n`);
if (results.failures.length) {
  process.stderr.write(`\n${results.failures.length} section(s) failed:\n${results.failures.map((f) => `  ${f.section}: ${f.message}`).join('\n')}\n`);
  process.exitCode = 1;
}

function summary(d: RawCache) {
  return { name: d.spec.name, symbols: d.spec.symbols.map((s) => s.name), from: d.spec.from, to: d.spec.to, files: d.files, tradingDays: d.tradingDays, jsonBytes: d.jsonBytes, reused: d.reused, writeSeconds: d.writeSeconds };
}

/** An empty folder for one run's profiles (cleared first unless `fresh` is false). */
function profileDir(name: string, fresh = true): string {
  const dir = join(BENCH_DATA, 'profiles', name);
  if (fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
