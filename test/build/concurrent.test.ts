// `build` beside a running `run`: runs keep committing (the clock moves 3 hours each) while builds export
// every series again and again. No run is refused (build never takes the run lock), and every exported
// series is a committed snapshot: its final rows are exactly the first rows of the store as it ends up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SimServer } from '../../src/sim/server.js';
import { runCli } from '../helpers/cli.js';
import { tempRoot } from '../helpers/common.js';
import { CODES, exportFixture, oracleSeries, timeframesOnDisk } from './helpers.js';
import { duckCandles, duckRows, rowOf } from './readers.js';

let sim: SimServer;
let root: string;
let clock: { now: number };

before(async () => {
  ({ sim, root, clock } = await exportFixture({ from: '2026-03-02', now: '2026-03-04T10:07:30Z', symbols: ['EUR/USD', 'BTC/USD'] }));
});
after(async () => {
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

test('builds during runs export committed snapshots and never block a run', async (t) => {
  const dir = await tempRoot(t);
  let running = true;
  const runs = (async () => {
    const codes: (number | null)[] = [];
    for (let i = 1; i <= 3; i++) {
      const now = new Date(Date.parse('2026-03-04T10:07:30Z') + i * 3 * 3_600_000).toISOString();
      clock.now = Date.parse(now);
      const r = await runCli(['run', '--root', root, '--now', now, '-q']);
      codes.push(r.code);
      assert.equal(r.code, 0, r.stderr);
    }
    running = false;
    return codes;
  })();
  const files: string[] = [];
  let during = 0;
  while (running || files.length < 3) {
    if (running) during++;
    const file = join(dir, `snap-${files.length}.parquet`);
    const r = await runCli(['build', '--root', root, '--select', '*/*', '--output', file]);
    assert.equal(r.code, 0, r.stderr);
    files.push(file);
  }
  assert.deepEqual(await runs, [0, 0, 0]);
  assert.ok(during >= 2, `${during} builds started while runs were committing`);

  const codes = CODES.filter((c) => c === 'EUR-USD' || c === 'BTC-USD');
  for (const file of files) {
    const kv = await duckRows(`SELECT decode(value) AS v FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'candlestore.series'`);
    const series = JSON.parse(String(kv[0].v)) as { symbol: string; timeframe: string; from_pos: number; to_pos: number; provisional_rows: number }[];
    const rows = await duckCandles(`'${file}'`);
    let at = 0;
    for (const s of series) {
      const n = (s.to_pos - s.from_pos) / 64;
      const got = rows.slice(at, at + n);
      at += n;
      const final = oracleSeries(root, s.symbol, s.timeframe).records;
      const settled = n - s.provisional_rows;
      assert.deepEqual(got.slice(0, settled), final.slice(0, settled).map((r) => rowOf(s.symbol, s.timeframe, r)), `${file} ${s.symbol} ${s.timeframe}`);
    }
    assert.equal(at, rows.length);
    assert.equal(series.length, codes.reduce((k, c) => k + timeframesOnDisk(root, c).length, 0));
  }
});
