// `sessions: auto` (issue 14): the session comes from the instrument document's trading schedule. For FX
// (17:00 → 17:00 New York, Monday–Friday) the daily bars start at 17:00 New York the day before, across a DST
// switch; checked against the 1m store grouped independently (Intl wall clock, no src/ code). The definition
// sidecar records what `auto` resolved to, so a changed schedule stops the next run like a changed session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { readBin } from '../helpers/independent.js';
import { wallClock } from '../helpers/tradingTime.js';

const NOW = '2026-03-14T12:00:00Z';
const HOUR = 3_600_000;
const DAY = 86_400_000;
let sim: SimServer;
let root: string;

before(async () => {
  sim = await startSim({ now: Date.parse(NOW) });
  root = makeRoot(sim.url, ['EUR/CHF', 'BTC/USD'], 'sessions:\n  "*": auto\n');
  const r = await runCli(['run', '--root', root, '--from', '2026-02-23', '--to', '2026-03-13', '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await sim.close();
});

test('FX daily bars start at 17:00 New York the day before (DST included), equal to the 1m rows grouped independently', () => {
  const rows = readBin(join(root, 'data/aggregate/1m/EUR-CHF.bin')).records;
  // Session date of a minute: its New York date, moved on by 7 hours (17:00 opens the next date).
  const groups = new Map<number, typeof rows>();
  for (const r of rows) {
    const wall = wallClock('America/New_York', r.ts) + 7 * HOUR;
    const date = Math.floor(wall / DAY) * DAY;
    if (!groups.has(date)) groups.set(date, []);
    groups.get(date)!.push(r);
  }
  const bars = readBin(join(root, 'data/resample/1d/EUR-CHF.bin')).records;
  assert.equal(bars.length, groups.size);
  let i = 0;
  const starts = new Set<string>();
  for (const [date, g] of groups) {
    const weekday = new Date(date).getUTCDay();
    assert.ok(weekday >= 1 && weekday <= 5, `session date ${new Date(date).toISOString()} is a weekday`);
    // The bar's ts is New York midnight of its session date; its first row is at 17:00 New York the day before.
    const guess = date + 5 * HOUR;
    const midnight = date - (wallClock('America/New_York', guess) - guess);
    const b = bars[i++];
    assert.equal(b.ts, midnight, new Date(date).toISOString());
    assert.equal(b.origin, 17 * 60);
    const opensAt = wallClock('America/New_York', g[0].ts);
    if (weekday !== 1) assert.equal(new Date(opensAt).toISOString().slice(11, 16), '17:00', 'first row at 17:00 New York (the sim leaves ~1% of minutes out, not those here)');
    starts.add(new Date(g[0].ts).toISOString().slice(11, 16));
    assert.deepEqual([b.o, b.h, b.l, b.c], [g[0].o, Math.max(...g.map((r) => r.h)), Math.min(...g.map((r) => r.l)), g[g.length - 1].c]);
    const volume = g.reduce((a, r) => a + r.v, 0);
    assert.ok(Math.abs(b.v - volume) <= 1e-9 * volume, `volume ${b.v} vs ${volume}`);
  }
  // 17:00 New York is 22:00 UTC before 8 March and 21:00 UTC after.
  assert.ok(starts.has('22:00') && starts.has('21:00'), [...starts].join(','));
});

test('the definition sidecar records what auto resolved to; a changed schedule stops the next run like a changed session', async () => {
  const def = JSON.parse(readFileSync(join(root, 'data/resample/1d/index/EUR-CHF.def.json'), 'utf8'));
  assert.deepEqual(def.definition.session, { timezone: 'America/New_York', ranges: [{ from: '17:00', to: '17:00', weekdays: [1, 2, 3, 4, 5] }] });
  const btc = JSON.parse(readFileSync(join(root, 'data/resample/1d/index/BTC-USD.def.json'), 'utf8'));
  assert.deepEqual(btc.definition.session, { timezone: 'UTC', ranges: [{ from: '00:00', to: '24:00' }] });
  // The service's schedule changes (kept in the cache: the next run reads it).
  const file = join(root, 'cache/instruments/EUR-CHF.json');
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"start":"17:00:00"', '"start":"18:00:00"'));
  const r = await runCli(['run', '--root', root, '--now', NOW, '-q']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /sessions\.".*" changed from .*"from":"17:00".* to .*"from":"18:00".* for EUR\/CHF/);
  const again = await runCli(['run', '--root', root, '--now', NOW, '-q', '--rebuild-on-change']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readBin(join(root, 'data/resample/1d/EUR-CHF.bin')).records.every((b) => b.origin === 18 * 60), true);
});
