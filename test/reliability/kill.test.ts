// Crash safety of the whole pipeline: `candlestore run` (download → transform → aggregate → resample)
// against `sim` on 127.0.0.1, SIGKILLed at random moments and rerun after each kill. Every round starts from
// an empty root and ends with a run that is allowed to finish; its data tree (cache, data/transform,
// data/aggregate with CSV mirror, data/resample, data/temp, every index, data/locks) must be byte-identical
// to one uninterrupted run, and `candlestore verify` must pass.
//
// Where the kills land: each round aims two kills at every stage in pipeline order — it waits for the
// stage's progress line on stderr (`transform: 57 days to do`) and kills at a uniformly drawn moment of the
// stage's expected remaining time (per-unit times measured on the clean run × units left) — plus, now and
// then, a kill at a uniform moment of the whole expected run, which also covers start-up, lock takeover,
// temp cleanup and the gaps between stages. The stage a kill actually hit is the last progress line the
// child printed before it (start-up counts as download). CANDLESTORE_KILL_SEED replays a run's choices.
//
// The SIGINT/SIGTERM variant aims signals the same way: every interrupted run must end with exit 130, the
// `candlestore: interrupted` line, no ABORT line and its lock released, and the round's last run must leave
// the clean run's tree byte for byte. CANDLESTORE_SIGNALS sets the count (10, 60 with CANDLESTORE_SOAK=1).
import { test, before, after } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { SOAK, STAGES, removeTree, rng, secs, seedFrom, stageTimes, treeDiff, watchCli, type StageName } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'XAU/USD', 'BTC/USD'];
const NOW = '2026-03-10T15:20:30Z';
const FROM = '2026-02-20'; // 18 closed days + the live day, × 3 symbols
const KILLS = Number(process.env.CANDLESTORE_KILLS ?? (SOAK ? 300 : 50));
const SIGNALS = Number(process.env.CANDLESTORE_SIGNALS ?? (SOAK ? 60 : 10));
const EXTRA = 'aggregate:\n  csv: true\n';

let sim: SimServer;
const roots: string[] = [];
before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 11, now: Date.parse(NOW) });
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

const args = (root: string) => ['run', '--root', root, '--from', FROM, '--now', NOW];

interface Reference {
  clean: string;
  ms: number;
  stages: StageName[];
  /** Expected ms left in `stage` when it starts with `todo` units (download/transform drain; the others redo). */
  expectedMs(stage: StageName, todo: number): number;
}
let reference: Promise<Reference> | undefined;

/** The uninterrupted reference run (verified), and how long each stage takes per unit of work. */
function cleanReference(): Promise<Reference> {
  reference ??= (async () => {
    const clean = makeRoot(sim.url, SYMBOLS, EXTRA);
    roots.push(clean);
    const ref = watchCli(args(clean));
    const refEnd = await ref.done;
    assert.equal(refEnd.code, 0, ref.stderr());
    const times = stageTimes(ref.stderr());
    const stages = STAGES.filter((s) => times.has(s)); // resample appears here once it is in the pipeline
    assert.ok(stages.length >= 3, `progress lines missing from stderr:\n${ref.stderr()}`);
    const cleanVerify = await runCli(['verify', '--root', clean]);
    assert.equal(cleanVerify.code, 0, cleanVerify.stdout);
    const expectedMs = (stage: StageName, todo: number) => {
      const t = times.get(stage)!;
      const perUnit = (t.seconds * 1000) / Math.max(1, t.units);
      return stage === 'download' || stage === 'transform' ? Math.max(20, perUnit * todo) : Math.max(20, t.seconds * 1000);
    };
    return { clean, ms: refEnd.ms, stages, expectedMs };
  })();
  return reference;
}

test(`kill -9 at ${KILLS} random moments of \`run\` across every stage, rerun each time: byte-identical to a clean run, verify passes`, async () => {
  const started = performance.now();
  const seed = seedFrom('CANDLESTORE_KILL_SEED');
  const random = rng(seed);
  const { clean, ms: refMs, stages, expectedMs } = await cleanReference();

  const perStage = new Map<StageName, number>(STAGES.map((s) => [s, 0]));
  let kills = 0;
  let rounds = 0;
  let runs = 0;
  while (kills < KILLS) {
    const root = makeRoot(sim.url, SYMBOLS, EXTRA);
    roots.push(root);
    rounds++;
    const targets = stages.flatMap((s) => [s, s]);
    for (;;) {
      // Aim at the next stage of this round, or (1 in 6, or when every stage had its kills) anywhere.
      const anywhere = random() < 1 / 6 || targets.length === 0;
      const target = anywhere ? undefined : targets.shift();
      const last = kills >= KILLS || (anywhere && targets.length === 0 && random() < 0.5);
      const w = watchCli(args(root));
      runs++;
      let hit: StageName | undefined;
      let timer: NodeJS.Timeout | undefined;
      const kill = () => {
        hit = w.stage() ?? 'download';
        w.child.kill('SIGKILL');
      };
      if (!last) {
        if (target) {
          w.onStage((s, todo) => {
            if (s === target && !timer) timer = setTimeout(kill, random() * expectedMs(s, todo));
          });
        } else {
          timer = setTimeout(kill, random() * refMs);
        }
      }
      const end = await w.done;
      clearTimeout(timer);
      if (end.signal === 'SIGKILL') {
        kills++;
        perStage.set(hit!, perStage.get(hit!)! + 1);
        continue;
      }
      assert.equal(end.code, 0, `run after ${kills} kills failed (seed ${seed}):\n${w.stderr()}`);
      break; // the round's run finished
    }
    const diff = treeDiff(root, clean);
    assert.deepEqual(diff, [], `round ${rounds}: the tree differs from the clean run after kills (seed ${seed})`);
    // Byte-identical to the verified clean tree already says it all; verify the last round's tree anyway.
    if (kills >= KILLS) {
      const v = await runCli(['verify', '--root', root]);
      assert.equal(v.code, 0, `round ${rounds}: verify failed (seed ${seed}):\n${v.stdout}`);
    }
    removeTree(roots.pop());
  }

  const count = (s: StageName) => perStage.get(s)!;
  console.log(
    `kills survived: ${kills} (download ${count('download')}, transform ${count('transform')}, aggregate ${count('aggregate')}, resample ${count('resample')})` +
      ` in ${rounds} rounds, ${runs} runs, ${secs(performance.now() - started)}; clean run ${secs(refMs)}; seed ${seed}`,
  );
  // Every stage of the pipeline took kills, not just the longest one.
  for (const s of stages) assert.ok(count(s) >= Math.floor(KILLS / (3 * stages.length)), `only ${count(s)} kills in ${s} (seed ${seed})`);
});

test(`SIGINT/SIGTERM at ${SIGNALS} random moments of \`run\`: exit 130 and \`interrupted\` each time, lock released, rerun byte-identical to a clean run`, async () => {
  const started = performance.now();
  const seed = seedFrom('CANDLESTORE_SIGNAL_SEED');
  const random = rng(seed);
  const { clean, ms: refMs, stages, expectedMs } = await cleanReference();

  const perStage = new Map<StageName, number>(STAGES.map((s) => [s, 0]));
  let interrupted = 0;
  let beforeStartup = 0;
  let tooLate = 0;
  let rounds = 0;
  let runs = 0;
  let sent = 0;
  while (sent < SIGNALS) {
    const root = makeRoot(sim.url, SYMBOLS, EXTRA);
    roots.push(root);
    rounds++;
    const targets = [...stages];
    for (;;) {
      const anywhere = random() < 1 / 4 || targets.length === 0;
      const target = anywhere ? undefined : targets.shift();
      const last = sent >= SIGNALS || (anywhere && targets.length === 0 && random() < 0.5);
      const sig: NodeJS.Signals = random() < 0.5 ? 'SIGINT' : 'SIGTERM';
      const w = watchCli(args(root));
      runs++;
      let hit: StageName | undefined;
      let timer: NodeJS.Timeout | undefined;
      let signalled = false;
      let sentAt = 0;
      const send = () => {
        hit = w.stage() ?? 'download';
        signalled = true;
        sentAt = performance.now();
        sent++;
        w.child.kill(sig);
      };
      if (!last) {
        if (target) {
          w.onStage((s, todo) => {
            if (s === target && !timer) timer = setTimeout(send, random() * expectedMs(s, todo));
          });
        } else {
          timer = setTimeout(send, random() * refMs);
        }
      }
      const end = await w.done;
      clearTimeout(timer);
      const where = `${signalled ? `${sig} in ${hit}` : 'no signal'}, round ${rounds} (seed ${seed})`;
      if (signalled && end.signal === sig) {
        // Delivered before bin/candlestore.js installed any handler (node still starting): nothing ran.
        assert.equal(w.stdout() + w.stderr(), '', `${where}: died of the signal after it had started:\n${w.stderr()}`);
        beforeStartup++;
        continue;
      }
      if (signalled && end.code === 130) {
        assert.match(w.stderr(), /^candlestore: interrupted$/m, `${where}: no \`interrupted\` line:\n${w.stderr()}`);
        assert.doesNotMatch(w.stderr(), /ABORT!/, `${where}: an interruption reported as an abort`);
        assert.ok(!existsSync(join(root, 'data/locks/run.lock')), `${where}: lock left behind`);
        interrupted++;
        perStage.set(hit!, perStage.get(hit!)! + 1);
        continue;
      }
      assert.equal(end.code, 0, `${where}: exit ${end.code} ${end.signal ?? ''}:\n${w.stderr()}`);
      if (signalled) {
        // Exit 0 after a signal: it arrived after the last stage had committed. Then the handler said so,
        // or the process was already exiting; a signal that got lost would let the run go on for longer.
        const exiting = performance.now() - sentAt < 250;
        assert.ok(w.stderr().includes(`${sig} received`) || exiting, `${where}: the signal was lost (exit 0 ${secs(performance.now() - sentAt)} later, no \`${sig} received\`):\n${w.stderr()}`);
        tooLate++;
      }
      break;
    }
    assert.deepEqual(treeDiff(root, clean), [], `round ${rounds}: the tree differs from the clean run after signals (seed ${seed})`);
    removeTree(roots.pop());
  }

  const count = (s: StageName) => perStage.get(s)!;
  console.log(
    `signals: ${sent} sent, ${interrupted} interrupted a run (download ${count('download')}, transform ${count('transform')}, aggregate ${count('aggregate')}, resample ${count('resample')}),` +
      ` ${beforeStartup} before start-up, ${tooLate} after the last stage; ${rounds} rounds, ${runs} runs, ${secs(performance.now() - started)}; seed ${seed}`,
  );
  assert.ok(interrupted >= Math.ceil(sent / 2), `only ${interrupted} of ${sent} signals interrupted a run (seed ${seed})`);
});
