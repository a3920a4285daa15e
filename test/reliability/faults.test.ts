// Faults from the server: `sim` injects each fault kind alone, then all of them mixed (400, 429 with
// Retry-After, 503, slow, truncated body, invalid JSON, connection reset), in two regimes:
//   flaky   — a URL faults at most twice in a row and the client may retry 3 times: the run must complete,
//             byte-identical to a clean run;
//   hostile — half the requests fault, a faulting URL keeps faulting, one retry allowed (and a 150 ms deadline
//             against 400 ms slow bodies): the run either completes byte-identical, or aborts with exit 1 and
//             `ABORT! Critical error in Download: SYMBOL DAY: …`, having left nothing but files identical to
//             the clean run's (no truncated JSON, no temp debris, lock released); a rerun with faults off then
//             completes byte-identical to the clean run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAULT_KINDS, startSim, type FaultKind, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli, snapshot } from '../helpers/cli.js';
import { SOAK, dataOnly, removeTree, treeDiff } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'XAU/USD', 'BTC/USD'];
const NOW = '2026-05-12T09:41:10Z';
const FROM = SOAK ? '2026-04-12' : '2026-05-05'; // 7 closed days + the live day (30 with SOAK), × 3 symbols
const SEED = 21;
const args = (root: string) => ['run', '--root', root, '--from', FROM, '--now', NOW, '-q'];

let sim: SimServer;
let clean: string;
const roots: string[] = [];
const injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: SEED, now: Date.parse(NOW) });
  clean = makeRoot(sim.url, SYMBOLS);
  roots.push(clean);
  const r = await runCli(args(clean));
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

/** A root whose config talks to `url`, with download settings overriding makeRoot's. */
function rootFor(url: string, download: Record<string, number>): string {
  const root = makeRoot(url, SYMBOLS);
  const file = join(root, 'config.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [key, value] of Object.entries(download)) {
    const line = new RegExp(`^  ${key}: .*$`, 'm');
    text = line.test(text) ? text.replace(line, `  ${key}: ${value}`) : text.replace('download:\n', `download:\n  ${key}: ${value}\n`);
  }
  writeFileSync(file, text);
  roots.push(root);
  return root;
}

function pointAt(root: string, url: string): void {
  const file = join(root, 'config.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/base_url: .*/, `base_url: ${url}`));
}

/** After an abort: every file left must be one the clean run has, byte for byte (nothing partial). */
function leftovers(root: string): string[] {
  const bad: string[] = [];
  const ref = snapshot(clean, dataOnly);
  const mine = snapshot(root, dataOnly);
  for (const [rel, bytes] of mine) {
    const want = ref.get(rel);
    if (!want) bad.push(`unexpected ${rel}`);
    else if (rel.endsWith('/MANIFEST')) {
      // A month's cache checksums grow with its cached days: after an abort, a subset of the clean run's
      // lines that still lists every body present (docs/format.md §7).
      const lines = bytes.toString('latin1').split('\n');
      const clean = new Set(want.toString('latin1').split('\n'));
      if (lines.some((l) => !clean.has(l))) bad.push(`differs ${rel} (a line the clean run does not have)`);
      const dir = rel.slice(0, -'MANIFEST'.length);
      for (const body of [...mine.keys()].filter((k) => k.startsWith(dir) && k.endsWith('.json'))) {
        if (!lines.some((l) => l.startsWith(`${body.slice(dir.length)} `))) bad.push(`${rel} does not list ${body}`);
      }
    } else if (!want.equals(bytes)) bad.push(`differs ${rel}`);
  }
  return bad;
}

const CASES: { name: string; kinds: FaultKind[] }[] = [...FAULT_KINDS.map((k) => ({ name: k, kinds: [k] })), { name: 'mixed', kinds: [...FAULT_KINDS] }];
const outcomes = { completed: 0, aborted: 0 };

for (const { name, kinds } of CASES) {
  test(`faults ${name}: a flaky server (≤ 2 faults in a row per URL) costs retries, never data`, async () => {
    const t0 = performance.now();
    const faulty = await startSim({ host: '127.0.0.1', port: 0, seed: SEED, now: Date.parse(NOW), faults: 0.3, faultKinds: kinds, faultStreak: 2, slowMs: 40 });
    try {
      // 429 answers carry Retry-After: 1 (s); with a 1.5 s backoff cap it must be waited out in full.
      const honourRetryAfter = name === '429';
      const root = rootFor(faulty.url, { max_retries: 3, ...(honourRetryAfter ? { backoff_max_ms: 1500 } : {}) });
      const r = await runCli(args(root));
      for (const k of kinds) injected[k] += faulty.stats.faults[k];
      const n = kinds.reduce((a, k) => a + faulty.stats.faults[k], 0);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(n >= 3, `only ${n} faults injected`);
      assert.deepEqual(treeDiff(root, clean), []);
      if (honourRetryAfter) assert.ok(performance.now() - t0 >= 1000, 'Retry-After: 1 was not waited for');
      outcomes.completed++;
    } finally {
      await faulty.close();
    }
  });

  test(`faults ${name}: a hostile server either costs nothing or aborts naming symbol and day, leaving nothing partial`, async () => {
    const faulty = await startSim({ host: '127.0.0.1', port: 0, seed: SEED, now: Date.parse(NOW), faults: 0.5, faultKinds: kinds, faultStreak: Infinity, slowMs: 400 });
    try {
      const root = rootFor(faulty.url, { max_retries: 1, timeout_ms: 150 });
      const r = await runCli(args(root));
      for (const k of kinds) injected[k] += faulty.stats.faults[k];
      if (r.code === 0) {
        assert.deepEqual(treeDiff(root, clean), []);
        outcomes.completed++;
        return;
      }
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^ABORT! Critical error in Download: (EUR\/USD|XAU\/USD|BTC\/USD) (live day|\d{4}-\d\d-\d\d)\b.*: /m);
      assert.doesNotMatch(r.stdout, /Summary/);
      assert.ok(!existsSync(join(root, 'data/locks/run.lock')), 'lock released');
      assert.deepEqual(leftovers(root), [], 'only complete files identical to the clean run are left');
      outcomes.aborted++;
      // Faults off: the rerun picks up where the abort stopped and ends byte-identical.
      pointAt(root, sim.url);
      const again = await runCli(args(root));
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(treeDiff(root, clean), []);
    } finally {
      await faulty.close();
    }
  });
}

test('fault counts', () => {
  const total = Object.values(injected).reduce((a, b) => a + b, 0);
  console.log(`faults injected: ${total} (${FAULT_KINDS.map((k) => `${k} ${injected[k]}`).join(', ')}); runs completed ${outcomes.completed}, aborted ${outcomes.aborted} (then rerun clean)`);
  for (const k of FAULT_KINDS) assert.ok(injected[k] > 0, `no ${k} fault injected`);
  assert.ok(outcomes.aborted > 0, 'the hostile server never made a run abort');
});
