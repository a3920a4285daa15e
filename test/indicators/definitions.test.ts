// Indicators trading-signals does not have (or defines differently), against references written here from
// their published definitions: small hand-worked series and naive per-row loops that share no code with
// src/indicators. Also the spec parser's errors and the registry's metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INDICATORS, findIndicator } from '../../src/indicators/registry.js';
import { IndicatorSpecError, outputColumn, parseIndicatorSpec } from '../../src/indicators/spec.js';
import { close9, generateBars, toBars, type TestBar } from './series.js';

const DAY = 86_400_000;
const col = (name: string, params: number[], rows: TestBar[], out?: string) => {
  const def = findIndicator(name)!;
  return def.compute(toBars(rows), params)[out === undefined ? 0 : def.outputs.indexOf(out)];
};
const bar = (ts: number, open: number, high: number, low: number, close: number, volume = 1): TestBar => ({ ts, open, high, low, close, volume });

test('registry: at least 35 indicators with params, bounds, outputs and a warm-up for the defaults', () => {
  assert.ok(INDICATORS.length >= 35, `${INDICATORS.length} indicators`);
  for (const d of INDICATORS) {
    assert.match(d.name, /^[a-z][a-z0-9]*$/);
    assert.ok(d.outputs.length >= 1, d.name);
    for (const p of d.params) assert.ok(p.min <= p.default && p.default <= p.max, `${d.name}.${p.name} default within bounds`);
    const w = d.warmup(d.params.map((p) => p.default), { barMs: 60_000 });
    assert.ok(w === Infinity || (Number.isInteger(w) && w >= 0), `${d.name} warm-up ${w}`);
  }
});

test('vwap: session-anchored, restarts at each store-time day (hand-computed)', () => {
  const d0 = Date.UTC(2024, 0, 2);
  const rows = [
    bar(d0 + 60_000, 0, 12, 6, 9, 10), // tp 9
    bar(d0 + 120_000, 0, 15, 9, 12, 30), // tp 12
    bar(d0 + DAY - 60_000, 0, 6, 0, 3, 20), // tp 3
    bar(d0 + DAY, 0, 30, 24, 27, 5), // next day: tp 27
    bar(d0 + DAY + 60_000, 0, 3, 3, 3, 0), // zero volume: vwap unchanged
  ];
  const v = col('vwap', [], rows);
  assert.deepEqual([...v], [9, (9 * 10 + 12 * 30) / 40, (9 * 10 + 12 * 30 + 3 * 20) / 60, 27, 27]);
});

test('stddev and zscore: population definition on a hand series', () => {
  const rows = [2, 4, 4, 4, 5, 5, 7, 9].map((c, i) => bar(i * 60_000, c, c, c, c));
  const sd = col('stddev', [8], rows);
  assert.equal(sd[7], 2); // the textbook example: mean 5, population variance 4
  assert.ok(Number.isNaN(sd[6]));
  const z = col('zscore', [8], rows);
  assert.equal(z[7], (9 - 5) / 2);
  const flat = [1, 1, 1].map((c, i) => bar(i, c, c, c, c));
  assert.equal(col('zscore', [3], flat)[2], 0);
});

test('heikinashi: averaged candles (hand-computed)', () => {
  const rows = [bar(0, 10, 14, 8, 12), bar(1, 12, 16, 11, 15)];
  const def = findIndicator('heikinashi')!;
  const [o, h, l, c] = def.compute(toBars(rows), []);
  assert.deepEqual([o[0], c[0], h[0], l[0]], [11, 11, 14, 8]);
  const c1 = (12 + 16 + 11 + 15) / 4;
  assert.deepEqual([o[1], c[1], h[1], l[1]], [11, c1, 16, 11]);
});

test('pivot and camarilla: from the previous store-time day (hand-computed), weekends skipped', () => {
  const fri = Date.UTC(2024, 0, 5);
  const mon = fri + 3 * DAY;
  const rows = [bar(fri + 600_000, 0, 110, 95, 100), bar(fri + 660_000, 0, 120, 90, 105), bar(mon, 0, 1, 1, 1), bar(mon + 60_000, 0, 2, 2, 2)];
  const H = 120, L = 90, C = 105;
  const P = (H + L + C) / 3;
  const def = findIndicator('pivot')!;
  const out = def.compute(toBars(rows), []);
  const at = (name: string, i: number) => out[def.outputs.indexOf(name)][i];
  assert.ok(Number.isNaN(at('p', 0)) && Number.isNaN(at('p', 1)), 'first day has no previous day');
  for (const i of [2, 3]) {
    assert.equal(at('p', i), P);
    assert.equal(at('r1', i), 2 * P - L);
    assert.equal(at('s1', i), 2 * P - H);
    assert.equal(at('r2', i), P + (H - L));
    assert.equal(at('s2', i), P - (H - L));
    assert.equal(at('r3', i), H + 2 * (P - L));
    assert.equal(at('s3', i), L - 2 * (H - P));
  }
  const cam = findIndicator('camarilla')!;
  const co = cam.compute(toBars(rows), []);
  assert.equal(co[cam.outputs.indexOf('r4')][3], C + (30 * 1.1) / 2);
  assert.equal(co[cam.outputs.indexOf('s1')][3], C - (30 * 1.1) / 12);
  assert.equal(co[cam.outputs.indexOf('r3')][2], C + (30 * 1.1) / 4);
});

// Wilder's parabolic SAR written out rule by rule, one bar at a time.
function naivePsar(rows: TestBar[], step: number, max: number): number[] {
  const out: number[] = [NaN];
  let trend: 'up' | 'down' = (rows[1].high + rows[1].low) / 2 >= (rows[0].high + rows[0].low) / 2 ? 'up' : 'down';
  let sar = trend === 'up' ? rows[0].low : rows[0].high;
  let extreme = trend === 'up' ? rows[1].high : rows[1].low;
  let accel = step;
  out.push(sar);
  for (let i = 2; i < rows.length; i++) {
    let next = sar + accel * (extreme - sar);
    if (trend === 'up') {
      next = Math.min(next, rows[i - 1].low, rows[i - 2].low);
      if (rows[i].high > extreme) { extreme = rows[i].high; accel = Math.min(max, accel + step); }
      if (rows[i].low < next) { trend = 'down'; next = extreme; extreme = rows[i].low; accel = step; }
    } else {
      next = Math.max(next, rows[i - 1].high, rows[i - 2].high);
      if (rows[i].low < extreme) { extreme = rows[i].low; accel = Math.min(max, accel + step); }
      if (rows[i].high > next) { trend = 'up'; next = extreme; extreme = rows[i].high; accel = step; }
    }
    sar = next;
    out.push(sar);
  }
  return out;
}

test('psar: equals a rule-by-rule reference of Wilder\'s definition on a long series', () => {
  const rows = generateBars(3000, 11);
  for (const [step, max] of [[0.02, 0.2], [0.01, 0.1]]) {
    const mine = col('psar', [step, max], rows);
    const ref = naivePsar(rows, step, max);
    for (let i = 0; i < rows.length; i++) assert.ok(close9(mine[i], ref[i]), `row ${i}: ${mine[i]} vs ${ref[i]}`);
  }
});

test('stochrsi: %K and %D are SMAs of the raw stochastic of the RSI (naive reference)', () => {
  const rows = generateBars(800, 5);
  const rsi = col('rsi', [14], rows);
  const raw = rows.map((_, i) => {
    if (i < 13 + 14) return NaN;
    const w = Array.from(rsi.subarray(i - 13, i + 1));
    if (w.some(Number.isNaN)) return NaN;
    const lo = Math.min(...w), hi = Math.max(...w);
    return hi === lo ? 0 : (100 * (rsi[i] - lo)) / (hi - lo);
  });
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const k = raw.map((_, i) => (i < 2 ? NaN : mean(raw.slice(i - 2, i + 1))));
  const d = k.map((_, i) => (i < 2 ? NaN : mean(k.slice(i - 2, i + 1))));
  const mk = col('stochrsi', [14, 14, 3, 3], rows, 'k');
  const md = col('stochrsi', [14, 14, 3, 3], rows, 'd');
  for (let i = 0; i < rows.length; i++) {
    assert.ok(close9(mk[i], k[i]), `k row ${i}: ${mk[i]} vs ${k[i]}`);
    assert.ok(close9(md[i], d[i]), `d row ${i}: ${md[i]} vs ${d[i]}`);
  }
});

test('spec parser: both notations, defaults, and errors that name the problem', () => {
  assert.deepEqual(parseIndicatorSpec('sma(50)').params, [50]);
  assert.deepEqual(parseIndicatorSpec('sma_50').params, [50]);
  assert.deepEqual(parseIndicatorSpec('macd').params, [12, 26, 9]);
  assert.equal(parseIndicatorSpec('macd(5,35)').key, 'macd_5_35_9');
  assert.equal(parseIndicatorSpec('bbands_20_2.5').key, 'bbands_20_2.5');
  const macd = parseIndicatorSpec('macd_12_26_9');
  assert.equal(outputColumn(macd, 'hist'), 'macd_12_26_9__hist');
  assert.equal(outputColumn(parseIndicatorSpec('rsi(14)'), 'rsi'), 'rsi_14');
  const bad: [string, RegExp][] = [
    ['nope(3)', /unknown indicator "nope"/],
    ['sma(0)', /period must be between 1 and 10000, got 0/],
    ['sma(2.5)', /period must be a whole number/],
    ['sma(1,2)', /at most 1 parameters/],
    ['sma(x)', /must be a number, got "x"/],
    ['macd(26,12)', /fast \(26\) must be shorter than slow \(12\)/],
    ['SMA(20)', /bad indicator/],
    ['sma(20', /bad indicator/],
    ['obv(1)', /takes no parameters/],
  ];
  for (const [text, msg] of bad) assert.throws(() => parseIndicatorSpec(text), (e: unknown) => e instanceof IndicatorSpecError && msg.test(e.message), text);
});
