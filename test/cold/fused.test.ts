// The fused cold path (src/cold/): a symbol with many new days is converted and appended in one pass. Its
// outputs must be the stage-by-stage path's, byte for byte: day files, 1m stores with their CSV mirrors and
// indexes, definition sidecars, every timeframe. Data: `sim` over 3 symbols × 4.5 months (an FX pair under a
// New York DST shift rule, an index with a cash session, a crypto trading 24/7), downloaded once by the real
// CLI (cache with manifests, the live day and any unsettled day in data/temp), then:
//   - fused by the CLI (`run --no-download`: 3 × 135 days, worker threads),
//   - stage by stage in-process (fusedMinDays: Infinity),
//   - fused in-process with a commit every 1 MiB (commits between days: the day folders fsynced before each),
// all byte-identical to the CLI run that downloaded. Then `kill -9` at random moments of a fused
// `run --no-download`, each followed by a normal run: the tree is the same again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { buildContext } from '../../src/pipeline/context.js';
import { runStages } from '../../src/pipeline/run.js';
import { pipelineStages } from '../../src/pipeline/stages.js';
import { FUSED_MIN_DAYS } from '../../src/cold/stage.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { removeTree, rng, seedFrom, stageTimes, treeDiff, watchCli } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'USA500.IDX/USD', 'BTC/USD'];
const NOW = '2026-03-20T15:20:30Z';
// 135 closed days + the live day a symbol (405 days: enough for worker threads), across the US DST change of 2026-03-08
const FROM = '2025-11-05';
const KILLS = Number(process.env.CANDLESTORE_KILLS ?? 3);
const EXTRA = [
  'aggregate:\n  csv: true',
  'transform:\n  symbols:\n    "EUR/USD":\n      time_shift_rule: { zone: America/New_York, dst_ms: 10800000, std_ms: 7200000 }',
  'sessions:\n  "USA500.IDX/USD":\n    timezone: America/New_York\n    ranges: [{ from: "09:30", to: "16:00", weekdays: [1, 2, 3, 4, 5] }]',
].join('\n');

let sim: SimServer;
const roots: string[] = [];
let downloaded: string;

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 5, now: Date.parse(NOW) });
  downloaded = track(makeRoot(sim.url, SYMBOLS, `${EXTRA}\n`, FROM));
  const r = await runCli(['run', '--root', downloaded, '--now', NOW]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 symbols appended to their stores in the same pass/, 'the first run took the fused path');
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

function track(root: string): string {
  roots.push(root);
  return root;
}

/** A root with `from`'s config, symbols and raw inputs only (cache, data/temp/*.json): what a `--no-download` run starts from. */
function rawCopy(from: string): string {
  const to = track(mkdtempSync(join(tmpdir(), 'cs-fused-')));
  for (const f of ['config.yaml', 'symbols.txt']) cpSync(join(from, f), join(to, f));
  cpSync(join(from, 'cache'), join(to, 'cache'), { recursive: true });
  mkdirSync(join(to, 'data/temp'), { recursive: true });
  for (const f of readdirSync(join(from, 'data/temp'))) if (f.endsWith('.json')) cpSync(join(from, 'data/temp', f), join(to, 'data/temp', f));
  return to;
}

async function inProcess(root: string, opts: { fusedMinDays?: number; fusedCommitBytes?: number }) {
  const ctx = await buildContext({ root, now: Date.parse(NOW), quiet: true });
  return runStages(ctx, pipelineStages(ctx, { download: false, ...opts }));
}

test('the fused cold path leaves the stage-by-stage tree byte for byte (day files, stores, CSV, indexes, sidecars, timeframes)', async () => {
  assert.ok(existsSync(join(downloaded, 'data/temp')) && readdirSync(join(downloaded, 'data/temp')).some((f) => f.endsWith('.json')), 'a provisional day is in data/temp');
  assert.ok(existsSync(join(downloaded, 'data/aggregate/1m/index/EUR-USD.def.json')), 'definition sidecars written');
  assert.ok(existsSync(join(downloaded, 'data/resample/1h/USA500.IDX-USD.bin')));

  const cli = rawCopy(downloaded);
  const r = await runCli(['run', '--no-download', '--root', cli, '--now', NOW]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /3 symbols appended to their stores in the same pass/);
  assert.match(r.stdout, /Aggregate .* 0 candles appended from 0 day files .*appended from memory by the transform pass/);

  const staged = rawCopy(downloaded);
  const s = await inProcess(staged, { fusedMinDays: Infinity });
  assert.equal(s.stages.find((x) => x.stage === 'Transform')!.counters.fusedSymbols, 0, 'stage by stage: nothing fused');
  assert.ok(s.stages.find((x) => x.stage === 'Aggregate')!.counters.daysRead > 3 * FUSED_MIN_DAYS, 'stage by stage: aggregate read the day files');

  const small = rawCopy(downloaded);
  const f = await inProcess(small, { fusedCommitBytes: 1024 * 1024 });
  assert.equal(f.stages.find((x) => x.stage === 'Transform')!.counters.fusedSymbols, 3);
  assert.ok(f.stages.find((x) => x.stage === 'Transform')!.counters.fusedRecordsAppended > 0);

  assert.deepEqual(treeDiff(staged, downloaded), [], 'stage by stage vs the fused run that downloaded');
  assert.deepEqual(treeDiff(cli, staged), [], 'fused (CLI, --no-download) vs stage by stage');
  assert.deepEqual(treeDiff(small, staged), [], 'fused with a commit every 1 MiB vs stage by stage');
  fusedTree = cli;
  fusedTransformMs = (stageTimes(r.stderr).get('transform')?.seconds ?? 1) * 1000;
});

/** The CLI's fused `--no-download` tree of the first test (the kill test's reference). */
let fusedTree: string | undefined;
/** How long its fused pass took (from its progress lines): the kills are aimed inside it. */
let fusedTransformMs = 1000;

test(`kill -9 at ${KILLS} random moments of a fused cold run, then a normal run: the same tree`, async () => {
  const seed = seedFrom('CANDLESTORE_KILL_SEED');
  const random = rng(seed);
  assert.ok(fusedTree, 'the first test built the reference tree');
  const reference = fusedTree;
  const transformMs = fusedTransformMs;
  let killedInTransform = 0;
  for (let k = 0; k < KILLS; k++) {
    const root = rawCopy(downloaded);
    const w = watchCli(['run', '--no-download', '--root', root, '--now', NOW]);
    let timer: NodeJS.Timeout | undefined;
    let hit: string | undefined;
    w.onStage((stage) => {
      if (stage === 'transform') timer = setTimeout(() => {
        hit = w.stage();
        w.child.kill('SIGKILL');
      }, random() * transformMs * 1.2);
    });
    const end = await w.done;
    clearTimeout(timer);
    if (end.signal === 'SIGKILL' && hit === 'transform') killedInTransform++;
    const again = await runCli(['run', '--no-download', '--root', root, '--now', NOW]);
    assert.equal(again.code, 0, `rerun after a kill (seed ${seed}):\n${again.stderr}`);
    assert.deepEqual(treeDiff(root, reference), [], `kill ${k + 1}: the tree differs after the rerun (seed ${seed})`);
    removeTree(roots.pop());
  }
  assert.ok(killedInTransform >= Math.ceil(KILLS / 2), `only ${killedInTransform} of ${KILLS} kills landed in the fused pass (seed ${seed})`);
});

test('errors inside the fused pass keep their stage: a bad cached day aborts in Transform, a store that cannot be written in Aggregate; a rerun after the fix gives the same tree', async () => {
  assert.ok(fusedTree, 'the first test built the reference tree');
  // A cached day changed on disk (it no longer matches its MANIFEST line), in the middle of a symbol's history.
  const bad = rawCopy(downloaded);
  const day = join(bad, 'cache/2026/01/BTC-USD_20260115.json');
  const original = readFileSync(day);
  writeFileSync(day, Buffer.from(original.toString('latin1').replace(/"volumes":\[(\d)/, '"volumes":[9$1'), 'latin1'));
  const t = await runCli(['run', '--no-download', '--root', bad, '--now', NOW]);
  assert.equal(t.code, 1, t.stderr);
  assert.match(t.stderr, /ABORT! Critical error in Transform: .*BTC-USD_20260115\.json/);
  writeFileSync(day, original);
  const fixed = await runCli(['run', '--no-download', '--root', bad, '--now', NOW]);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.deepEqual(treeDiff(bad, fusedTree), [], 'after the cached day is restored');

  // The 1m store's path taken by a folder: appending fails, and says so as the aggregate stage.
  const blocked = rawCopy(downloaded);
  mkdirSync(join(blocked, 'data/aggregate/1m/USA500.IDX-USD.bin'), { recursive: true });
  const a = await runCli(['run', '--no-download', '--root', blocked, '--now', NOW]);
  assert.equal(a.code, 1, a.stderr);
  assert.match(a.stderr, /ABORT! Critical error in Aggregate: .*USA500\.IDX-USD\.bin/);
});
