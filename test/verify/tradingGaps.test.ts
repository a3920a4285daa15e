// verify's gap list follows the instrument's trading calendar (issue 14): the CLI against `sim`, then the gaps
// compared with an independent computation from the store's records and the cached document
// (test/helpers/tradingTime.ts): every run of more than N trading minutes without a record, and nothing else —
// not a weekend, not the Christmas and New Year holidays (a day and more without a record), not a lunch break.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { verifyStores } from '../../src/verify/verify.js';
import { Layout } from '../../src/paths.js';
import type { Gap } from '../../src/verify/types.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { readBin } from '../helpers/independent.js';
import { tradesAt, type DocLike } from '../helpers/tradingTime.js';

const MIN = 60_000;
const NOW = '2026-01-07T12:00:00Z';
let sim: SimServer;
let root: string;

before(async () => {
  sim = await startSim({ now: Date.parse(NOW) });
  root = makeRoot(sim.url, ['EUR/CHF', 'JPN.IDX/JPY']);
  const r = await runCli(['run', '--root', root, '--from', '2025-12-22', '--to', '2026-01-06', '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await sim.close();
});

const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);

/** Runs of more than `n` trading minutes without a record, between the first and the last record (UTC store). */
function expectedGaps(symbol: string, doc: DocLike, times: number[], n: number): Gap[] {
  const have = new Set(times);
  const out: Gap[] = [];
  let run: number[] = [];
  const close = () => {
    if (run.length > n) out.push({ symbol, timeframe: '1m', day: new Date(run[0]).toISOString().slice(0, 10), from: hhmm(run[0]), to: hhmm(run[run.length - 1]), minutes: run.length });
    run = [];
  };
  for (let t = times[0]; t <= times[times.length - 1]; t += MIN) {
    if (!tradesAt(doc, t)) close();
    else if (have.has(t)) close();
    else run.push(t);
  }
  close();
  return out;
}

for (const [symbol, code, n] of [['EUR/CHF', 'EUR-CHF', 2], ['JPN.IDX/JPY', 'JPN.IDX-JPY', 30]] as const) {
  test(`${symbol}: the gaps are exactly the runs of more than ${n} missing trading minutes`, async () => {
    const doc = JSON.parse(readFileSync(join(root, 'cache/instruments', `${code}.json`), 'utf8')) as DocLike;
    const times = readBin(join(root, 'data/aggregate/1m', `${code}.bin`)).records.map((r) => r.ts);
    const got = await verifyStores(new Layout(root), [symbol], { gapMinutes: n, calendars: new Map([[symbol, { doc: doc as never, shift: { kind: 'fixed', fixedMs: 0 } }]]) });
    const want = expectedGaps(symbol, doc, times, n);
    assert.deepEqual(got.gaps, want);
    if (symbol === 'EUR/CHF') {
      assert.ok(want.length > 0, 'the sim leaves some runs of missing minutes');
      // Christmas and New Year: a trading day (by the weekly schedule) without a record, and no gap.
      for (const [from, till] of [[Date.UTC(2025, 11, 24, 22), Date.UTC(2025, 11, 25, 22)], [Date.UTC(2025, 11, 31, 22), Date.UTC(2026, 0, 1, 22)]]) {
        assert.ok(!times.some((t) => t >= from && t < till), 'no candle on the holiday');
        assert.ok(times.some((t) => t >= from - 60 * MIN && t < from) && times.some((t) => t >= till && t < till + 60 * MIN), 'trading right before and after it');
      }
      for (const g of got.gaps) assert.ok(!['2025-12-25', '2025-12-27', '2025-12-28', '2026-01-01', '2026-01-03'].includes(g.day), `no gap on a holiday or weekend: ${JSON.stringify(g)}`);
    } else {
      // The lunch break (11:30–12:30 Tokyo = 02:30–03:30 UTC) is 60 minutes without a record every day, never a gap.
      assert.ok(times.some((t) => hhmm(t) === '02:29') && !times.some((t) => hhmm(t) >= '02:30' && hhmm(t) < '03:30'));
      for (const g of got.gaps) assert.ok(!(g.from >= '02:30' && g.to < '03:30'), `lunch is no gap: ${JSON.stringify(g)}`);
    }
  });
}

test('the CLI verify uses the cached documents: exit 0, gaps listed, none on a holiday, weekend or lunch break', async () => {
  const r = await runCli(['verify', '--root', root, '--gap-minutes', '2']);
  assert.equal(r.code, 0, r.stderr);
  const gapLines = r.stdout.split('\n').filter((l) => /^ {11}\d{4}-\d\d-\d\d \d\d:\d\d–\d\d:\d\d/.test(l));
  assert.ok(gapLines.length > 0, r.stdout);
  for (const l of gapLines) assert.doesNotMatch(l, /2025-12-25|2025-12-27|2025-12-28|2026-01-01|2026-01-03|02:30–03:29/);
});
