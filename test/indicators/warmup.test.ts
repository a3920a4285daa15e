// Warm-up exactness: for every indicator, a window in the middle of a long history computed with only
// `warmup(params)` bars before it equals the same rows of a whole-history computation (finite windows
// bit for bit in practice, infinite-memory recursions to 1e-9 relative: their warm-up makes a seed's weight
// < 1e-12). Indicators whose warm-up is the whole history are computed from the first bar by the server,
// which this checks by asserting the warm-up is Infinity rather than a number that would be wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INDICATORS } from '../../src/indicators/registry.js';
import type { Bars } from '../../src/indicators/types.js';
import { close9, generateBars, toBars } from './series.js';

const rows = generateBars(12_000, 3);
const full = toBars(rows);
const ctx = { barMs: 60_000 };

function slice(b: Bars, from: number): Bars {
  return { length: b.length - from, ts: b.ts.subarray(from), open: b.open.subarray(from), high: b.high.subarray(from), low: b.low.subarray(from), close: b.close.subarray(from), volume: b.volume.subarray(from) };
}

const nonDefault: Record<string, number[]> = { sma: [7], ema: [50], rsi: [5], macd: [5, 35, 5], bbands: [10, 3], atr: [30], adx: [7], stochastic: [5, 1, 4], keltner: [10, 20, 1.5], ichimoku: [7, 22, 44], uo: [3, 9, 20], chaikin: [4, 12], hma: [9], tema: [30], dema: [30] };

const PATH_DEPENDENT = new Set(['obv', 'adl', 'psar', 'supertrend']);

for (const def of INDICATORS) {
  const variants = [def.params.map((p) => p.default), ...(nonDefault[def.name] ? [nonDefault[def.name]] : [])];
  for (const params of variants) {
    test(`${def.name}(${params.join(',')}): a window warmed up by warmup() bars equals the whole history`, () => {
      const w = def.warmup(params, ctx);
      if (PATH_DEPENDENT.has(def.name)) {
        assert.equal(w, Infinity, 'cumulative and path-dependent indicators read the whole history');
        return;
      }
      assert.ok(Number.isFinite(w), `${def.name} warm-up ${w}`);
      const whole = def.compute(full, params);
      for (const start of [6000, 9001]) {
        const part = def.compute(slice(full, start - w), params);
        for (let o = 0; o < whole.length; o++) {
          for (let i = start; i < full.length; i++) {
            const a = whole[o][i];
            const b = part[o][i - (start - w)];
            assert.ok(close9(b, a), `${def.name}.${def.outputs[o]} row ${i} (window from ${start}, warm-up ${w}): ${b} vs whole history ${a}`);
          }
        }
        // One bar less of warm-up must be able to differ for finite windows (the count is not padded): checked
        // where it is cheap to say, the plain windows.
        if (['sma', 'wma', 'donchian', 'cci', 'williamsr', 'roc', 'cmo', 'mfi', 'aroon'].includes(def.name)) {
          const short = def.compute(slice(full, start - w + 1), params);
          assert.ok(Number.isNaN(short[0][w - 1]), `${def.name}: with warm-up - 1 bars the first window row is undefined`);
        }
      }
    });
  }
}
