// The live day is provisional until it closes (docs/format.md, "Final and provisional"), as a user meets it:
// `run` against `sim --revise`, whose answers revise minutes it served before and whose closed day differs
// from its last live answer. Runs every 37 minutes through a day, then one after the close, must leave
// exactly the tree of one clean run that only ever saw the final day. The runs through the day call the
// `run` command in this process (38 process starts would cost most of the test's time); the run after the
// close and the clean run are the CLI in a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../src/commands/run.js';
import { buildContext } from '../../src/pipeline/context.js';
import { FLAG_OPEN, FLAG_PROVISIONAL } from '../../src/store/format.js';
import { parseDay } from '../../src/util/dates.js';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { readBin } from '../helpers/independent.js';
import { readIdx, removeTree, treeDiff } from '../helpers/reliability.js';

const SYMBOLS = ['EUR/USD', 'BTC/USD'];
const CODES = ['EUR-USD', 'BTC-USD'];
const FROM = '2026-07-13'; // Monday, final from the first run on
const DAY = Date.parse('2026-07-14T00:00:00Z'); // the day lived through
const AFTER_CLOSE = '2026-07-15T06:00:00Z'; // well past any settle time: 07-14 is final, 07-15 live

let sim: SimServer;
let simNow = DAY;
const roots: string[] = [];

before(async () => {
  // The server's clock follows each run's --now; 5% of the candles of an answer are revised (or late).
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 11, now: () => simNow, revise: 0.05 });
});
after(async () => {
  await sim.close();
  for (const r of roots) removeTree(r);
});

/** `candlestore run --from FROM --now NOW -q` in this process. */
async function runInProcess(root: string, nowMs: number) {
  simNow = nowMs;
  const ctx = await buildContext({ root, now: nowMs, quiet: true });
  await runCommand(ctx, { from: parseDay(FROM), download: true });
}

async function run(root: string, now: string) {
  simNow = Date.parse(now);
  const r = await runCli(['run', '--root', root, '--from', FROM, '--now', now, '-q']);
  assert.equal(r.code, 0, `run at ${now}: ${r.stderr}${r.stdout}`);
}

test('runs every 37 minutes through a revised live day, then one after the close, end byte-identical to one clean run', async () => {
  const live = makeRoot(sim.url, SYMBOLS);
  roots.push(live);
  let runs = 0;
  let sawProvisional = false;
  for (let t = DAY + 37 * 60_000; t < DAY + 86_400_000; t += 37 * 60_000) {
    await runInProcess(live, t);
    runs++;
    for (const code of CODES) {
      const ix = readIdx(join(live, 'data/aggregate/1m/index', `${code}.idx`))!;
      assert.ok(ix.finalPos <= ix.outPos);
      sawProvisional ||= ix.finalPos < ix.outPos;
    }
  }
  assert.ok(runs >= 38 && sawProvisional, `${runs} runs through the day; the live day was a provisional tail`);
  await run(live, AFTER_CLOSE);

  const clean = makeRoot(sim.url, SYMBOLS);
  roots.push(clean);
  await run(clean, AFTER_CLOSE);
  // Every file of the data tree: cache, day files, the live day in data/temp, stores, CSV, indexes (their
  // generation ids masked), every timeframe.
  assert.deepEqual(treeDiff(live, clean), []);

  // The store really holds the final day, not an earlier live answer: its 07-14 rows are the cache's.
  const cached = JSON.parse(readFileSync(join(clean, 'cache/2026/07/EUR-USD_20260714.json'), 'utf8')) as { volumes: number[] };
  const rows = readBin(join(live, 'data/aggregate/1m/EUR-USD.bin')).records.filter((r) => r.ts >= DAY && r.ts < DAY + 86_400_000);
  assert.deepEqual(rows.map((r) => r.v), cached.volumes.filter((v) => v > 0));
});

test('after its period ended, a bar is not flagged open: the 1d bar of a closed day, final once its rows are', async () => {
  const root = makeRoot(sim.url, ['EUR/USD']);
  roots.push(root);
  await run(root, AFTER_CLOSE);
  const bars = readBin(join(root, 'data/resample/1d/EUR-USD.bin')).records;
  const ix = readIdx(join(root, 'data/resample/1d/index/EUR-USD.idx'))!;
  const byDay = new Map(bars.map((b, i) => [new Date(b.ts).toISOString().slice(0, 10), { bar: b, pos: 64 + i * 64 }]));
  const closed = byDay.get('2026-07-14')!;
  assert.equal(closed.bar.flags, 0, '07-14 ended and its 1m rows are final: a final bar');
  assert.ok(closed.pos < ix.finalPos, 'before final_pos');
  const today = byDay.get('2026-07-15')!;
  assert.equal(today.bar.flags, FLAG_OPEN | FLAG_PROVISIONAL, 'the live day is open and provisional');
  // A Friday seen on Saturday morning: its period ended, nothing of it is open any more.
  await run(root, '2026-07-18T06:00:00Z');
  const friday = readBin(join(root, 'data/resample/1d/EUR-USD.bin')).records.find((b) => new Date(b.ts).toISOString().startsWith('2026-07-17'))!;
  assert.equal(friday.flags & FLAG_OPEN, 0, `Friday's 1d bar after Friday: flags ${friday.flags}`);
  const week = readBin(join(root, 'data/resample/1W/EUR-USD.bin')).records.at(-1)!;
  assert.equal(week.flags, FLAG_OPEN | FLAG_PROVISIONAL, 'the week of 07-13 has not ended on Saturday');
});
