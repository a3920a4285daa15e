// Resampling through the CLI on sim data: every timeframe of the MT4 cascade (GMT+2/+3, across the New
// York DST switch) against a naive computation from the 1m store done here; repeated runs over a moving
// clock byte-identical to one run; a damaged timeframe reported by verify and repaired by rebuild.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { runCli, makeRoot, snapshot } from '../helpers/cli.js';
import { readBin, type BinRecord } from '../helpers/independent.js';
import { maskGeneration } from '../helpers/common.js';

const PROJECT = new URL('../../', import.meta.url).pathname;
const SYMBOLS = ['EUR/USD', 'BTC/USD'];
const FROM = '2026-02-25';
const NOW = '2026-03-17T09:10:30Z'; // New York springs forward on 2026-03-08: the shift goes +2 → +3
let sim: SimServer;
let simNow = Date.parse(NOW);

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 11, now: () => simNow });
});
after(async () => {
  await sim.close();
});

function mt4Root(): string {
  const root = makeRoot(sim.url, SYMBOLS);
  copyFileSync(join(PROJECT, 'config.dukascopy-mt4.yaml'), join(root, 'config.user.yaml'));
  return root;
}

const H = 3_600_000;
const D = 24 * H;
/** Naive bucket starts on the store's own time axis (no session configured). */
const BUCKETS: Record<string, (ts: number) => number> = {
  '5m': (t) => t - (t % 300_000),
  '15m': (t) => t - (t % 900_000),
  '30m': (t) => t - (t % 1_800_000),
  '1h': (t) => t - (t % H),
  '4h': (t) => t - (t % (4 * H)),
  '8h': (t) => t - (t % (8 * H)),
  '1d': (t) => t - (t % D),
  '1W': (t) => {
    const day = t - (t % D);
    const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
    return day - weekday * D;
  },
  '1M': (t) => Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), 1),
  '1Y': (t) => Date.UTC(new Date(t).getUTCFullYear(), 0, 1),
};

/** The MT4 cascade (config.dukascopy-mt4.yaml): `count` is the number of rows of the source timeframe. */
const SOURCE: Record<string, string> = { '5m': '1m', '15m': '5m', '30m': '15m', '1h': '30m', '4h': '1h', '8h': '4h', '1d': '8h', '1W': '1d', '1M': '1d', '1Y': '1M' };

function naive(rows: BinRecord[], tf: string) {
  const bucket = BUCKETS[tf];
  const sourceBucket = SOURCE[tf] === '1m' ? (t: number) => t : BUCKETS[SOURCE[tf]];
  const bars: { ts: number; o: number; h: number; l: number; c: number; v: number; sources: Set<number> }[] = [];
  for (const r of rows) {
    const key = bucket(r.ts);
    const last = bars.at(-1);
    if (last && last.ts === key) {
      last.h = Math.max(last.h, r.h);
      last.l = Math.min(last.l, r.l);
      last.c = r.c;
      last.v += r.v;
      last.sources.add(sourceBucket(r.ts));
    } else bars.push({ ts: key, o: r.o, h: r.h, l: r.l, c: r.c, v: r.v, sources: new Set([sourceBucket(r.ts)]) });
  }
  return bars.map(({ sources, ...b }) => ({ ...b, count: sources.size }));
}

test('every MT4 timeframe equals a naive computation from the 1m store, across the DST switch', async () => {
  const root = mt4Root();
  const r = await runCli(['run', '--root', root, '--from', FROM, '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
  for (const symbol of SYMBOLS) {
    const code = symbol.replace('/', '-');
    const oneMinute = readBin(join(root, `data/aggregate/1m/${code}.bin`)).records;
    assert.ok(oneMinute.length > 10_000);
    if (symbol === 'BTC/USD') {
      // the shift really changed: New York springs forward at 07:00 UTC, server time jumps 09:00 → 10:00
      const times = new Set(oneMinute.map((x) => x.ts));
      assert.ok(times.has(Date.parse('2026-03-08T08:59:00Z')) && times.has(Date.parse('2026-03-08T10:00:00Z')));
      assert.ok(![...times].some((t) => t >= Date.parse('2026-03-08T09:00:00Z') && t < Date.parse('2026-03-08T10:00:00Z')));
    }
    for (const tf of Object.keys(BUCKETS)) {
      const file = readBin(join(root, `data/resample/${tf}/${code}.bin`));
      assert.equal(file.timeframe, tf);
      const expected = naive(oneMinute, tf);
      assert.equal(file.records.length, expected.length, `${symbol} ${tf} bar count`);
      file.records.forEach((bar, i) => {
        const e = expected[i];
        const where = `${symbol} ${tf} bar ${i} (${new Date(e.ts).toISOString()})`;
        assert.deepEqual([bar.ts, bar.o, bar.h, bar.l, bar.c, bar.count, bar.origin], [e.ts, e.o, e.h, e.l, e.c, e.count, 0], where);
        // volumes of cascaded bars are sums of sums: equal up to floating-point association
        assert.ok(Math.abs(bar.v - e.v) <= 1e-9 * Math.max(1, e.v), `${where} volume ${bar.v} vs ${e.v}`);
        assert.equal(bar.flags, i === expected.length - 1 ? 1 : 0, `${where} flags`);
      });
    }
  }
});

test('runs over a moving clock (every 7 h 37 min across days) end byte-identical to one run, and verify passes', async () => {
  const stepped = mt4Root();
  const start = Date.parse('2026-03-15T20:00:30Z');
  for (let t = start; t <= Date.parse(NOW); t += 7 * H + 37 * 60_000) {
    simNow = t;
    const r = await runCli(['run', '--root', stepped, '--from', FROM, '--now', new Date(t).toISOString(), '-q']);
    assert.equal(r.code, 0, r.stderr);
  }
  simNow = Date.parse(NOW);
  assert.equal((await runCli(['run', '--root', stepped, '--from', FROM, '--now', NOW, '-q'])).code, 0);
  const once = mt4Root();
  assert.equal((await runCli(['run', '--root', once, '--from', FROM, '--now', NOW, '-q'])).code, 0);
  const pick = (rel: string) => rel.startsWith('data/resample/') || rel.startsWith('data/aggregate/');
  const a = snapshot(stepped, pick);
  const b = snapshot(once, pick);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [rel, bytes] of b) assert.ok(bytes.equals(a.get(rel)!), `${rel} differs`);
  const v = await runCli(['verify', '--root', stepped]);
  assert.equal(v.code, 0, v.stdout);
  assert.match(v.stdout, /EUR\/USD 1h .* ok/);
});

test('a changed closed bar in a timeframe is damage for verify; rebuild resample restores it', async () => {
  const root = mt4Root();
  assert.equal((await runCli(['run', '--root', root, '--from', FROM, '--now', NOW, '-q'])).code, 0);
  const file = join(root, 'data/resample/1h/EUR-USD.bin');
  const good = readFileSync(file);
  const bad = Buffer.from(good);
  bad.writeDoubleLE(bad.readDoubleLE(64 + 64 * 10 + 16) + 0.5, 64 + 64 * 10 + 16); // high of bar 10
  writeFileSync(file, bad);
  const v = await runCli(['verify', '--root', root]);
  assert.equal(v.code, 1);
  assert.match(v.stdout, /EUR\/USD 1h[\s\S]*DAMAGE/);
  const rb = await runCli(['rebuild', 'resample', '--root', root, '--now', NOW, '-q']);
  assert.equal(rb.code, 0, rb.stderr);
  assert.ok(maskGeneration(file, readFileSync(file)).equals(maskGeneration(file, good)));
  assert.equal((await runCli(['verify', '--root', root])).code, 0);
});
