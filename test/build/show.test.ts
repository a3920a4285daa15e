// `candlestore show` through the real CLI: the table, CSV and NDJSON forms equal the store read
// independently (the open bar marked, provisional bars labelled), ranges and --last, bad arguments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { SimServer } from '../../src/sim/server.js';
import { runCli } from '../helpers/cli.js';
import { provisionalTails, exportFixture, oracleSeries, timeText } from './helpers.js';

let sim: SimServer;
let root: string;

before(async () => {
  ({ sim, root } = await exportFixture({ from: '2026-03-02', now: '2026-03-05T10:37:30Z', symbols: ['EUR/USD', 'BTC/USD'] }));
  assert.ok(provisionalTails(root) > 0);
});
after(async () => {
  await sim.close();
  rmSync(root, { recursive: true, force: true });
});

const show = (args: string[]) => runCli(['show', '--root', root, ...args]);

test('the table shows the last bars aligned, marks the open bar and the provisional ones', async () => {
  const bars = oracleSeries(root, 'EUR-USD', '1h');
  const r = await show(['EUR-USD/1h', '--last', '6']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], `EUR/USD 1h: 6 of ${bars.records.length} bars`);
  assert.match(lines[1], /^time +open +high +low +close +volume +rows +state$/);
  const body = lines.slice(2);
  assert.equal(body.length, 6);
  const closeEnds = new Set([/^time +open +high +low +close/.exec(lines[1])![0].length, ...body.map((l) => /^\S+ \S+ +\S+ +\S+ +\S+ +\S+/.exec(l)![0].length)]);
  assert.equal(closeEnds.size, 1, 'price columns aligned under their headers');
  body.forEach((line, k) => {
    const i = bars.records.length - 6 + k;
    const b = bars.records[i];
    const cells = line.split(/ {2,}/);
    assert.deepEqual(cells.slice(0, 7), [timeText(b.ts), b.o.toFixed(5), b.h.toFixed(5), b.l.toFixed(5), b.c.toFixed(5), String(Number(b.v.toPrecision(15))), String(b.count)]);
    assert.ok(Math.abs(Number(cells[5]) - b.v) <= 1e-12 * b.v, `volume ${cells[5]} shows ${b.v} to 15 digits`);
    const state = b.flags & 1 ? 'open' : i >= bars.finalCount ? 'provisional' : undefined;
    assert.equal(cells[7], state, line);
  });
  assert.ok(body.at(-1)!.endsWith('open'), 'the last bar is the open one');

  const dflt = await show(['EUR/USD/1h']);
  assert.equal(dflt.stdout.trimEnd().split('\n').length, 2 + 50);
  assert.match(dflt.stdout, /50 of \d+ bars \(the last ones; --last N, --after, --until for others\)/);
});

test('CSV and NDJSON for pipes equal the store over a time range', async () => {
  const bars = oracleSeries(root, 'BTC-USD', '15m');
  const after = Date.UTC(2026, 2, 3, 6);
  const until = Date.UTC(2026, 2, 4, 9, 30);
  const want = bars.records.map((b, i) => ({ b, i })).filter(({ b }) => b.ts >= after && b.ts < until);
  assert.ok(want.length > 50);
  const csv = await show(['BTC-USD/15m', '--after', '2026-03-03 06:00', '--until', '2026-03-04T09:30:00Z', '--csv']);
  assert.equal(csv.code, 0, csv.stderr);
  const d = bars.decimals;
  assert.deepEqual(csv.stdout.trimEnd().split('\n'), ['time,open,high,low,close,volume', ...want.map(({ b }) => [timeText(b.ts), b.o.toFixed(d), b.h.toFixed(d), b.l.toFixed(d), b.c.toFixed(d), String(b.v)].join(','))]);

  const json = await show(['BTC-USD/15m', '--after', String(after), '--until', String(until), '--json']);
  assert.equal(json.code, 0, json.stderr);
  const objs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(objs, want.map(({ b, i }) => ({ time: timeText(b.ts), ts: b.ts, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v, rows: b.count, isOpen: (b.flags & 1) === 1, isFinal: i < bars.finalCount })));

  const tail = await show(['BTC-USD/1d', '--json']);
  const last = JSON.parse(tail.stdout.trimEnd().split('\n').at(-1)!);
  assert.equal(last.isOpen, true);
  assert.equal(last.isFinal, false);
});

test('bad arguments: exit 2 naming them', async () => {
  const cases: [string[], RegExp][] = [
    [['EURUSD'], /want SYMBOL\/TF/],
    [['GBP-USD/1h'], /no store for symbol GBP-USD.*available: BTC-USD, EUR-USD/],
    [['EUR-USD/3h'], /no 3h store for EUR-USD.*available: 1m, 5m/],
    [['EUR-USD/1h', '--last', '0'], /--last 0: want a whole number ≥ 1/],
    [['EUR-USD/1h', '--csv', '--json'], /either --csv or --json/],
    [['EUR-USD/1h', '--after', '2026-03-05', '--until', '2026-03-04'], /--after 2026-03-05 is not before --until 2026-03-04/],
  ];
  const results = await Promise.all(cases.map(([args]) => show(args)));
  cases.forEach(([args, message], k) => {
    assert.equal(results[k].code, 2, `${args.join(' ')}: ${results[k].stderr}`);
    assert.match(results[k].stderr, message);
  });
});
