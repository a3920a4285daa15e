// The decoder on real recorded payloads, checked against the independent decoding of test/helpers
// (cumulative integer sums, then the decimal text `n e-k` parsed by Number).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeDay, multiplierDecimals } from '../../src/transform/decode.js';
import { parseDayJson } from '../../src/dukascopy/dayJson.js';
import { shiftForDay } from '../../src/transform/timeShift.js';
import { CorruptFileError } from '../../src/errors.js';
import { decodeFile, type Candle } from '../../src/store/format.js';
import { independentDecode } from '../helpers/independent.js';

/** The decoder's day file read back through the format module (round trip). */
function decodeCandles(text: string, day: number, roundDecimals: number | undefined, file = 'f', instrumentDecimals?: number): { candles: Candle[]; decimals: number } {
  const doc = parseDayJson(text, file, 'Transform');
  // The symbol's decimals: round_decimals, else the instrument's (by default the day's own multiplier).
  const decimals = roundDecimals ?? instrumentDecimals ?? multiplierDecimals(doc.multiplier);
  const d = decodeDay(doc, { symbol: 'EUR/USD', day, decimals, fit: roundDecimals === undefined ? 'exact' : 'round', definition: 0, shift: utc, file });
  const { header, candles } = decodeFile(d.bin, file, 'Transform', { symbol: 'EUR/USD', timeframe: '1m' });
  assert.equal(header.decimals, d.decimals);
  assert.equal(candles.length, d.count);
  return { candles, decimals: d.decimals };
}

const FIXTURES = new URL('../fixtures/dukascopy/', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const utc = shiftForDay({ kind: 'fixed', fixedMs: 0 }, 0);


for (const [name, day, decimals] of [
  ['candles-minute-EUR-USD-BID-2026-7-10.json', Date.UTC(2026, 6, 10), 5],
  ['candles-minute-BTC-USD-BID-from-1783900800000.json', Date.UTC(2026, 6, 13), 1],
] as const) {
  test(`decodes the real payload ${name} exactly`, () => {
    const text = fixture(name);
    const decoded = decodeCandles(text, day, undefined, name);
    const expected = independentDecode(text, decimals);
    assert.equal(decoded.decimals, decimals);
    assert.equal(decoded.candles.length, expected.length);
    assert.ok(decoded.candles.length > 1000);
    decoded.candles.forEach((c, i) => {
      const e = expected[i];
      assert.deepEqual([c.ts, c.open, c.high, c.low, c.close, c.volume], [e.ts, e.o, e.h, e.l, e.c, e.v], `candle ${i}`);
      assert.deepEqual([c.count, c.src, c.origin, c.flags], [1, e.row, 0, 0]);
    });
  });
}

test('EUR/USD fixture: missing minutes (times step 3) stay gaps, prices have at most 5 decimals', () => {
  const text = fixture('candles-minute-EUR-USD-BID-2026-7-10.json');
  const { candles } = decodeCandles(text, Date.UTC(2026, 6, 10), undefined);
  const steps = candles.slice(1).map((c, i) => (c.ts - candles[i].ts) / 60000);
  assert.ok(steps.includes(3));
  for (const c of candles) for (const p of [c.open, c.high, c.low, c.close]) assert.equal(p, Number(p.toFixed(5)));
});

test('rounding to fewer decimals rounds half away from zero in integer arithmetic', () => {
  const text = fixture('candles-minute-EUR-USD-BID-2026-7-10.json');
  const day = Date.UTC(2026, 6, 10);
  const { candles, decimals } = decodeCandles(text, day, 3);
  assert.equal(decimals, 3);
  const expected = independentDecode(text, 3);
  candles.forEach((c, i) => assert.deepEqual([c.open, c.high, c.low, c.close], [expected[i].o, expected[i].h, expected[i].l, expected[i].c]));
});

test('round_decimals above the multiplier\'s: the header keeps them, the prices are the same numbers', () => {
  const text = fixture('candles-minute-EUR-USD-BID-2026-7-10.json');
  const day = Date.UTC(2026, 6, 10);
  const six = decodeCandles(text, day, 6);
  const five = decodeCandles(text, day, undefined);
  assert.equal(six.decimals, 6);
  assert.deepEqual(six.candles, five.candles);
});

test('without round_decimals a day must have the instrument\'s multiplier; with it, any multiplier is brought to its decimals', () => {
  const day = Date.UTC(2026, 6, 10);
  const file = 'cache/2026/07/EUR-USD_20260710.json';
  // The same prices on a 1e-4 grid and on a 1e-6 grid.
  const coarse = base();
  coarse.multiplier = 1e-4;
  coarse.open = 1.1433; coarse.high = 1.1434; coarse.low = 1.1432; coarse.close = 1.1433;
  for (const key of ['opens', 'highs', 'lows', 'closes']) coarse[key] = coarse[key].map(() => 0);
  const fine = base();
  fine.multiplier = 1e-6;
  for (const key of ['opens', 'highs', 'lows', 'closes']) fine[key] = fine[key].map((d: number) => d * 10);
  for (const [doc, k] of [[coarse, 4], [fine, 6]] as const) {
    // Refused naming the file and both scales: another instrument's day, or a changed price scale.
    assert.throws(
      () => decodeCandles(JSON.stringify(doc), day, undefined, file, 5),
      (err: unknown) => err instanceof CorruptFileError && err.message.includes(`(${k} decimals) is not EUR/USD's (5 decimals, fixed by its first day with candles)`) && err.message.includes(file),
    );
  }
  // With round_decimals 5: the header keeps 5, the coarse prices stay as they are, the fine ones (here on
  // the 1e-5 grid) equal the fixture's.
  const c = decodeCandles(JSON.stringify(coarse), day, 5, file);
  assert.equal(c.decimals, 5);
  assert.equal(c.candles[0].high, 1.1434);
  assert.deepEqual(decodeCandles(JSON.stringify(fine), day, 5, file).candles, decodeCandles(fixture('candles-minute-EUR-USD-BID-2026-7-10.json'), day, undefined).candles);
  // An empty day of another multiplier is no candle of anything: accepted.
  assert.equal(decodeCandles(fixture('candles-minute-EUR-USD-BID-2026-7-11-empty.json').replace('1.0E-5', '1.0E-3'), Date.UTC(2026, 6, 11), undefined, file, 5).candles.length, 0);
});

test('empty day (weekend) decodes to no candles', () => {
  const text = fixture('candles-minute-EUR-USD-BID-2026-7-11-empty.json');
  assert.equal(decodeCandles(text, Date.UTC(2026, 6, 11), undefined).candles.length, 0);
});

test('MT4 rule: GMT+3 in New York summer, GMT+2 in winter, switching on the right minute', () => {
  const rule = { kind: 'zone' as const, fixedMs: 0, zone: 'America/New_York', dstMs: 3 * 3600e3, stdMs: 2 * 3600e3 };
  assert.equal(shiftForDay(rule, Date.UTC(2026, 6, 10))(Date.UTC(2026, 6, 10, 12)), 3 * 3600e3);
  assert.equal(shiftForDay(rule, Date.UTC(2026, 0, 15))(Date.UTC(2026, 0, 15, 12)), 2 * 3600e3);
  // 2026-03-08: New York springs forward at 07:00 UTC; 2026-11-01 falls back at 06:00 UTC.
  const spring = shiftForDay(rule, Date.UTC(2026, 2, 8));
  assert.equal(spring(Date.UTC(2026, 2, 8, 6, 59)), 2 * 3600e3);
  assert.equal(spring(Date.UTC(2026, 2, 8, 7, 0)), 3 * 3600e3);
  const fall = shiftForDay(rule, Date.UTC(2026, 10, 1));
  assert.equal(fall(Date.UTC(2026, 10, 1, 5, 59)), 3 * 3600e3);
  assert.equal(fall(Date.UTC(2026, 10, 1, 6, 0)), 2 * 3600e3);
});

const base = () => JSON.parse(fixture('candles-minute-EUR-USD-BID-2026-7-10.json'));
const broken: [string, (j: any) => void, RegExp][] = [
  ['arrays of unequal length', (j) => j.volumes.pop(), /unequal length/],
  ['non-monotonic times', (j) => (j.times[5] = 0), /times must increase/],
  ['negative price', (j) => { j.open = -1.1; }, /positive price/],
  ['null in a price array (NaN)', (j) => (j.highs[3] = null), /integers/],
  ['high below low', (j) => (j.lows[10] += 500), /high .* < low|outside the high/],
  ['negative volume', (j) => (j.volumes[2] = -1), /volume/],
  ['missing key', (j) => delete j.closes, /"closes" must be an array/],
];
for (const [what, mutate, message] of broken) {
  test(`malformed input aborts naming the file: ${what}`, () => {
    const j = base();
    mutate(j);
    assert.throws(
      () => decodeDay(parseDayJson(JSON.stringify(j), 'cache/2026/07/EUR-USD_20260710.json', 'Transform'), { symbol: 'EUR/USD', day: Date.UTC(2026, 6, 10), decimals: 5, fit: 'exact', definition: 0, shift: utc, file: 'cache/2026/07/EUR-USD_20260710.json' }),
      (err: unknown) => err instanceof CorruptFileError && err.stage === 'Transform' && message.test(err.message) && err.message.includes('EUR-USD_20260710.json'),
    );
  });
}

test('invalid JSON aborts naming the file', () => {
  assert.throws(() => parseDayJson('{"timestamp":1,', 'x.json', 'Transform'), /invalid JSON.*x\.json/);
});
