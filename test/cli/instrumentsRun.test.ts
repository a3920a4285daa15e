// Instrument documents in the pipeline (issue 14 part 1), the CLI against `sim`: decimals follow the instrument
// (and a document whose scale differs from its days' multiplier); a new symbol starts at its first minute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRoot, runCli } from '../helpers/cli.js';
import { useRecordingSim } from '../helpers/recordingSim.js';
import { independentDecode, readBin } from '../helpers/independent.js';

const NOW = '2026-07-15T12:00:00Z';
const recording = useRecordingSim(NOW);
const requests = recording.requests;

/** A front for the sim that answers EUR/USD's document with another priceScale (a document that disagrees with its days). */
async function scaleFront(priceScale: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const r = await fetch(`${recording.sim.url}${req.url}`);
    let body = await r.text();
    if (req.url === '/v1/instruments/EUR-USD') body = body.replace('"priceScale":5,', `"priceScale":${priceScale},`);
    res.writeHead(r.status, { 'content-type': 'application/json', date: r.headers.get('date') ?? '' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
test("decimals follow the instrument's priceScale; a coarser day is rescaled exactly, a finer one refused", async () => {
  const root = makeRoot(recording.sim.url, ['USD/JPY', 'ADA/USD']);
  const r = await runCli(['run', '--root', root, '--from', '2026-07-13', '--to', '2026-07-14', '--now', NOW, '-q']);
  assert.equal(r.code, 0, r.stderr);
  for (const [code, want] of [['USD-JPY', 3], ['ADA-USD', 4]] as const) {
    const doc = JSON.parse(readFileSync(join(root, 'cache/instruments', `${code}.json`), 'utf8')) as { priceScale: number };
    assert.equal(doc.priceScale, want);
    assert.equal(readBin(join(root, 'data/aggregate/1m', `${code}.bin`)).decimals, want);
    const def = JSON.parse(readFileSync(join(root, 'data/aggregate/1m/index', `${code}.def.json`), 'utf8'));
    assert.equal(def.definition.decimals, want);
    assert.equal(def.notes.decimals_source, 'priceScale');
  }

  // The document says 6 decimals, the days have 5: stored with 6, every price exactly the day's.
  const six = await scaleFront(6);
  try {
    const r6 = makeRoot(six.url, ['EUR/USD']);
    const run = await runCli(['run', '--root', r6, '--from', '2026-07-13', '--to', '2026-07-13', '--now', NOW, '-q']);
    assert.equal(run.code, 0, run.stderr);
    const store = readBin(join(r6, 'data/aggregate/1m/EUR-USD.bin'));
    assert.equal(store.decimals, 6);
    const expected = independentDecode(readFileSync(join(r6, 'cache/2026/07/EUR-USD_20260713.json'), 'utf8'));
    assert.equal(store.records.length, expected.length);
    store.records.forEach((rec, i) => assert.deepEqual([rec.ts, rec.o, rec.h, rec.l, rec.c, rec.v], [expected[i].ts, expected[i].o, expected[i].h, expected[i].l, expected[i].c, expected[i].v]));
  } finally {
    await six.close();
  }
  // The document says 4, the days have 5: storing would round, so the run stops naming the way out.
  const four = await scaleFront(4);
  try {
    const r4 = makeRoot(four.url, ['EUR/USD']);
    const run = await runCli(['run', '--root', r4, '--from', '2026-07-13', '--to', '2026-07-13', '--now', NOW, '-q']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /ABORT! Critical error in Transform: multiplier .* is finer than EUR\/USD's price scale \(4 decimals, its instrument document\).*round_decimals.*EUR-USD_20260713\.json/);
    // round_decimals still overrides: 5 keeps the days' prices.
    writeFileSync(join(r4, 'config.user.yaml'), 'transform:\n  symbols:\n    "EUR/USD": { round_decimals: 5 }\n');
    const again = await runCli(['run', '--root', r4, '--from', '2026-07-13', '--to', '2026-07-13', '--now', NOW, '-q', '--rebuild-on-change']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readBin(join(r4, 'data/aggregate/1m/EUR-USD.bin')).decimals, 5);
  } finally {
    await four.close();
  }
});

test('a new symbol starts at its first minute of data (or a later start_date), never years of empty days', async () => {
  const first = Date.UTC(2021, 8, 25); // SOL/USD's MINUTE history
  const now = '2021-09-29T12:00:00Z';
  const days = (root: string) => readdirSync(join(root, 'cache/2021/09')).filter((f) => f.endsWith('.json')).sort();
  // start_date unset: the first minute; a --from years earlier is brought to it, with a note.
  const unset = makeRoot(recording.sim.url, ['SOL/USD'], '', null);
  const r1 = await runCli(['run', '--root', unset, '--now', now, '-q']);
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(days(unset), ['SOL-USD_20210925.json', 'SOL-USD_20210926.json', 'SOL-USD_20210927.json', 'SOL-USD_20210928.json']);
  assert.equal(readBin(join(unset, 'data/aggregate/1m/SOL-USD.bin')).records[0].ts, first);
  const early = makeRoot(recording.sim.url, ['SOL/USD'], '', '2015-01-01');
  const r2 = await runCli(['run', '--root', early, '--from', '2019-01-01', '--now', now, '-q']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /SOL\/USD: --from 2019-01-01 is before its first minute of data \(2021-09-25/);
  assert.deepEqual(readdirSync(join(early, 'cache')).sort(), ['2021', 'instruments']);
  assert.deepEqual(days(early), days(unset));
  // A start_date after the first minute wins.
  const later = makeRoot(recording.sim.url, ['SOL/USD'], '', '2021-09-27');
  assert.equal((await runCli(['run', '--root', later, '--now', now, '-q'])).code, 0);
  assert.deepEqual(days(later), ['SOL-USD_20210927.json', 'SOL-USD_20210928.json']);
});
