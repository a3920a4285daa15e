// `candlestore show --side / --spread` through the real CLI, against sim with minutes on one side only:
// CSV, NDJSON and the table equal mid, ask and spread computed here with decimal (BigInt) arithmetic from
// both stores read independently; --last counts paired bars; one-sided bars are left out and noted with
// build's message; bad or impossible sides are exit 2 with build's messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { oracleSeries, timeText } from '../build/helpers.js';
import { pairedBars, type Paired } from './paired.js';

const NOW = '2026-03-11T12:00:00Z';
let sim: SimServer;
let root: string;
let bidOnlyRoot: string;

before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 21, now: Date.parse(NOW), oneSidedRate: 0.02 });
  root = makeRoot(sim.url, ['EUR/USD'], 'sides: [BID, ASK]\n');
  bidOnlyRoot = makeRoot(sim.url, ['EUR/USD']);
  const runs = await Promise.all([root, bidOnlyRoot].map((r) => runCli(['run', '--root', r, '--from', '2026-03-10', '--now', NOW, '-q'])));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await sim.close();
  for (const r of [root, bidOnlyRoot]) rmSync(r, { recursive: true, force: true });
});

const show = (args: string[], at = root) => runCli(['show', '--root', at, ...args]);
/** Bars of both EUR/USD stores at the same time, with mid and spread; the times on one side only. */
function expected(tf: string): Paired & { d: number } {
  const p = pairedBars(root, 'EUR-USD', tf);
  return { ...p, d: p.decimals };
}

test('--side mid --spread --csv equals mid and spread of both stores; one-sided bars left out and noted as build notes them', async () => {
  const e = expected('1m');
  assert.ok(e.bidOnly.length > 0 && e.askOnly.length > 0, 'the sim left minutes on one side');
  const r = await show(['EUR-USD/1m', '--side', 'mid', '--spread', '--csv']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), ['time,open,high,low,close,volume,spread', ...e.rows.map((x) => `${timeText(x.ts)},${x.open},${x.high},${x.low},${x.close},${String(x.volume)},${x.spread}`)]);
  const n = e.bidOnly.length + e.askOnly.length;
  const first = [...e.bidOnly.map((t) => [t, 'BID'] as const), ...e.askOnly.map((t) => [t, 'ASK'] as const)].sort((a, b) => a[0] - b[0]).slice(0, 5)
    .map(([t, s]) => `${timeText(t).slice(0, 16)} ${s} only`).join(', ');
  assert.equal(r.stderr, `note: EUR-USD 1m: ${n} bars on one side only left out of mid (${e.bidOnly.length} BID only, ${e.askOnly.length} ASK only; first: ${first}); \`candlestore verify\` lists them\n`);
  // The same selection through build prints the same note.
  const b = await runCli(['build', '--root', root, '--select', 'EUR-USD/1m', '--side', 'mid', '--spread', '--csv', '--dry-run', '--output', `${root}.out.csv`]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stderr, r.stderr);
});

test('--spread alone keeps bid prices; --side ask --spread keeps ask prices; NDJSON carries the spread', async () => {
  const e = expected('15m');
  const bidSpread = await show(['EUR-USD/15m', '--spread', '--csv']);
  assert.equal(bidSpread.code, 0, bidSpread.stderr);
  const d = e.d;
  assert.deepEqual(bidSpread.stdout.trimEnd().split('\n').slice(1), e.rows.map((x) => `${timeText(x.ts)},${x.bid.o.toFixed(d)},${x.bid.h.toFixed(d)},${x.bid.l.toFixed(d)},${x.bid.c.toFixed(d)},${String(x.bid.v)},${x.spread}`));
  const json = await show(['EUR-USD/15m', '--side', 'ASK', '--spread', '--json', '--after', '2026-03-10 06:00', '--until', '2026-03-11 06:00']);
  assert.equal(json.code, 0, json.stderr);
  const want = e.rows.filter((x) => x.ts >= Date.UTC(2026, 2, 10, 6) && x.ts < Date.UTC(2026, 2, 11, 6));
  assert.ok(want.length > 50);
  assert.deepEqual(json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)), want.map((x) => ({
    time: timeText(x.ts), ts: x.ts, open: x.ask.o, high: x.ask.h, low: x.ask.l, close: x.ask.c, volume: x.ask.v, rows: x.bid.count,
    isOpen: ((x.bid.flags | x.ask.flags) & 1) === 1, isFinal: e.finalBoth(x.ts), spread: Number(x.spread),
  })));
  // --side ask without --spread is the ASK store as it is.
  const ask = oracleSeries(root, 'EUR-USD.ASK', '1h');
  const plain = await show(['EUR-USD/1h', '--side', 'ask', '--csv']);
  assert.deepEqual(plain.stdout.trimEnd().split('\n').slice(1), ask.records.map((x) => `${timeText(x.ts)},${x.o.toFixed(d)},${x.h.toFixed(d)},${x.l.toFixed(d)},${x.c.toFixed(d)},${String(x.v)}`));
});

test('the table with --side mid --spread --last N: the last N paired bars, mid at one decimal more, the spread column', async () => {
  const e = expected('1m');
  // A window whose end holds one-sided minutes, so --last must count paired bars, not bars of either store.
  const cut = e.bidOnly.concat(e.askOnly).sort((a, b) => a - b).at(-1)! + 60_000;
  const until = timeText(cut);
  const rows = e.rows.filter((x) => x.ts < cut).slice(-40);
  const r = await show(['EUR-USD/1m', '--side', 'mid', '--spread', '--last', '40', '--until', until]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^EUR\/USD 1m mid with spread: up to the last 40 paired bars of [\d,]+ BID and [\d,]+ ASK bars$/);
  assert.match(lines[1], /^time +open +high +low +close +volume +rows +spread +state$/);
  assert.equal(lines.length - 2, 40);
  lines.slice(2).forEach((line, k) => {
    const x = rows[k];
    const cells = line.split(/ {2,}/);
    assert.deepEqual(cells.slice(0, 8), [timeText(x.ts), x.open, x.high, x.low, x.close, String(x.volume), String(x.bid.count), x.spread], line);
  });
  // The one-sided bars noted are those inside the rows shown (from the first shown to the end of the range).
  const inside = [...e.bidOnly, ...e.askOnly].filter((t) => t >= rows[0].ts && t < cut).length;
  assert.ok(inside > 0);
  assert.match(r.stderr, new RegExp(`^note: EUR-USD 1m: ${inside} bars? on one side only left out of mid`));
  // The default table is the last 50 paired bars.
  const dflt = await show(['EUR-USD/1h', '--side', 'mid']);
  assert.equal(dflt.code, 0, dflt.stderr);
  const h = expected('1h').rows.slice(-50);
  assert.deepEqual(dflt.stdout.trimEnd().split('\n').slice(2).map((l) => l.split(/ {2,}/)[4]), h.map((x) => x.close));
});

test('bad or impossible sides: exit 2 with the messages build gives', async () => {
  const cases: [string[], string, RegExp][] = [
    [['EUR-USD/1h', '--side', 'middle'], root, /--side "middle": want bid, ask or mid/],
    [['EUR-USD/1h', '--side', 'mid'], bidOnlyRoot, /no ASK store for EUR-USD 1h .*only BID: add ASK to `sides` in config.yaml and run/],
    [['EUR-USD/1h', '--spread'], bidOnlyRoot, /no ASK store for EUR-USD 1h/],
    [['EUR-USD/1h', '--side', 'ask'], bidOnlyRoot, /no ASK store for EUR-USD 1h/],
  ];
  const results = await Promise.all(cases.map(([args, at]) => show(args, at)));
  cases.forEach(([args, , message], k) => {
    assert.equal(results[k].code, 2, `${args.join(' ')}: ${results[k].stderr}`);
    assert.match(results[k].stderr, message);
  });
  const build = await runCli(['build', '--root', bidOnlyRoot, '--select', 'EUR-USD/1h', '--side', 'mid', '--csv', '--output', `${bidOnlyRoot}.x.csv`]);
  assert.equal(build.code, 2);
  const message = (s: string) => /no ASK store[^\n]*/.exec(s)?.[0];
  assert.equal(message(results[1].stderr), message(build.stderr));
});
