// Readers beside writers: the API polls a root while `run` appends (the live day grows run after run) and
// while `rebuild aggregate` deletes and rebuilds it. No response may hold a half-written or mixed record:
// times strictly increase, every bar is a sane OHLC bar, a 1m bar (and a closed resampled bar) never
// changes between responses, and each one equals the record of the same time in the final store, read by
// the independent reader. While the rebuild has removed a store, "unknown symbol/timeframe" (400) is the only other
// answer allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Layout } from '../../src/paths.js';
import { startServer } from '../../src/api/server.js';
import { startSim } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { readBin } from '../helpers/independent.js';
import { get } from './helpers.js';

test('API reads during run appends and a rebuild never return a half-written or mixed record', async (t) => {
  let now = Date.parse('2026-07-16T06:00:00Z');
  const sim = await startSim({ host: '127.0.0.1', port: 0, seed: 5, now: () => now });
  t.after(() => sim.close());
  const root = makeRoot(sim.url, ['EUR/USD']);
  const iso = () => new Date(now).toISOString();
  const first = await runCli(['run', '--root', root, '--from', '2026-07-13', '--now', iso(), '-q']);
  assert.equal(first.code, 0, first.stderr);
  const server = await startServer({ layout: new Layout(root), listen: '127.0.0.1:0', log: () => {} });
  t.after(() => server.close());

  const seen = new Map<string, string>(); // `${tf} ${ts}` → OHLCV text, for bars that may not change
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  let responses = 0;
  let writing = true;
  async function poll(tf: string) {
    while (writing) {
      const r = await get(server.url, `/v1/candles/EUR-USD/${tf}?after=2026-07-15&limit=100000&subformat=2`);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status !== 200) {
        if (!(r.status === 400 && /unknown (symbol EUR-USD|timeframe (1m|5m) for EUR-USD)/.test(r.text))) problems.push(`${tf}: ${r.status} ${r.text.slice(0, 200)}`);
        continue;
      }
      responses++;
      let prev = -Infinity;
      for (const [, , ts, o, h, l, c, v, forming] of r.json().result.values) {
        if (!(ts > prev)) problems.push(`${tf}: time ${ts} after ${prev}`);
        prev = ts;
        if (![o, h, l, c, v].every(Number.isFinite) || l > Math.min(o, c) || h < Math.max(o, c) || v < 0) problems.push(`${tf}: insane bar ${ts} ${[o, h, l, c, v]}`);
        if (forming) continue;
        const key = `${tf} ${ts}`;
        const text = `${o},${h},${l},${c},${v}`;
        const before = seen.get(key);
        if (before !== undefined && before !== text) problems.push(`${key} changed: ${before} → ${text}`);
        seen.set(key, text);
      }
    }
  }
  const pollers = [poll('1m'), poll('1m'), poll('5m')];
  try {
    for (let i = 0; i < 6; i++) {
      now += 37 * 60_000;
      const r = await runCli(['run', '--root', root, '--now', iso(), '-q']);
      assert.equal(r.code, 0, r.stderr);
    }
    const rb = await runCli(['rebuild', 'aggregate', '--root', root, '--now', iso(), '-q']);
    assert.equal(rb.code, 0, rb.stderr);
  } finally {
    writing = false;
    await Promise.allSettled(pollers);
  }
  await Promise.all(pollers);

  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems`);
  assert.ok(responses > 20, `${responses} responses`);
  // Every stable bar seen equals the final store's bar of the same time.
  const final = new Map<string, string>();
  for (const tf of ['1m', '5m']) {
    const dir = tf === '1m' ? join(root, 'data/aggregate/1m') : join(root, 'data/resample', tf);
    const outPos = Number(readFileSync(join(dir, 'index', 'EUR-USD.idx')).readBigUInt64LE(24));
    for (const rec of readBin(join(dir, 'EUR-USD.bin')).records.slice(0, (outPos - 64) / 64)) final.set(`${tf} ${rec.ts}`, `${rec.o},${rec.h},${rec.l},${rec.c},${rec.v}`);
  }
  let compared = 0;
  for (const [key, text] of seen) {
    assert.equal(final.get(key), text, `${key} as served vs the final store`);
    compared++;
  }
  assert.ok(compared > 1000, `${compared} bars compared`);
  process.stderr.write(`live reader: ${responses} responses, ${compared} distinct bars, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
});
