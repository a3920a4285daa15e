// A shifted (MT4 broker time) root exported: Parquet times are local timestamps (isAdjustedToUTC false)
// holding the store's own labels, the metadata names the rule from the config, and --after/--until are
// read on the store's axis (broker time), not converted from UTC.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SimServer } from '../../src/sim/server.js';
import { runCli } from '../helpers/cli.js';
import { tempRoot } from '../helpers/common.js';
import { exportFixture, oracleSeries } from './helpers.js';
import { duckCandles, duckRows, rowOf } from './readers.js';

const MT4 = 'transform:\n  symbols:\n    "*":\n      time_shift_rule: { zone: America/New_York, dst_ms: 10800000, std_ms: 7200000 }\n';
let sim: SimServer;
let root: string;

before(async () => {
  ({ sim, root } = await exportFixture({ from: '2026-03-02', now: '2026-03-05T10:07:30Z', symbols: ['EUR/USD'], extraYaml: MT4 }));
});
after(async () => {
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

test('broker-time stores export local timestamps with their labels; ranges are read in broker time', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'eur.parquet');
  const r = await runCli(['build', '--root', root, '--select', 'EUR-USD/1m,1h', '--output', file, '--after', '2026-03-03 10:00', '--until', '2026-03-04 00:00']);
  assert.equal(r.code, 0, r.stderr);
  const types = Object.fromEntries((await duckRows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${file}')`)).map((x) => [x.column_name, x.column_type]));
  assert.equal(types.time, 'TIMESTAMP', 'local time, not TIMESTAMP WITH TIME ZONE');
  const a = Date.UTC(2026, 2, 3, 10);
  const u = Date.UTC(2026, 2, 4);
  const want = ['1m', '1h'].flatMap((tf) => oracleSeries(root, 'EUR-USD', tf).records.filter((x) => x.ts >= a && x.ts < u).map((x) => rowOf('EUR-USD', tf, x)));
  assert.ok(want.length > 600);
  // The first day fetched starts at 00:00 UTC, labelled 02:00 (GMT+2 before New York's DST on 8 March).
  assert.equal(new Date(oracleSeries(root, 'EUR-USD', '1m').records[0].ts).getUTCHours(), 2);
  assert.deepEqual(await duckCandles(`'${file}'`), want);
  const kv = Object.fromEntries((await duckRows(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}')`)).map((x) => [x.k, x.v]));
  assert.equal(kv['candlestore.time_basis'], 'broker time: America/New_York DST UTC+03:00, else UTC+02:00');
});
