// Every indicator that trading-signals@8 also has, against it on a long generated series, to 1e-9
// relative. Where the two seed a recursion differently (trading-signals starts EMAs from the first value,
// we from the SMA of the first `period` values as TA-Lib and StockCharts do), rows are compared from our
// warm-up on, where a seed's weight is below 1e-12. Scale differences are converted, not hidden:
// trading-signals' ROC is a fraction and its ±DI fractions, ours are percent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as TS from 'trading-signals';
import { findIndicator } from '../../src/indicators/registry.js';
import { close9, generateBars, toBars, type TestBar } from './series.js';

const N = 6000;
const rows = generateBars(N, 7);
const bars = toBars(rows);
const ctx = { barMs: 60_000 };

type Reference = (bar: TestBar) => Record<string, unknown> | number | null | undefined;

/** Compare output columns of `name(params)` with a trading-signals reference, from row `from` on. */
function check(name: string, params: number[], make: () => Reference, map: Record<string, string | ((r: any) => number)>, opts: { from?: number; exactStart?: boolean } = {}) {
  test(`${name}(${params.join(',')}) equals trading-signals`, () => {
    const def = findIndicator(name)!;
    const cols = def.compute(bars, params);
    const ref = make();
    const from = opts.from ?? def.warmup(params, ctx);
    let compared = 0;
    for (let i = 0; i < N; i++) {
      const r = ref(rows[i]);
      for (const [out, pick] of Object.entries(map)) {
        const mine = cols[def.outputs.indexOf(out)][i];
        const theirs = r === null || r === undefined ? NaN : typeof pick === 'function' ? pick(r) : typeof r === 'number' ? r : (r[pick] as number);
        if (opts.exactStart) {
          // Finite windows: defined no later than trading-signals (which waits for all outputs), and from the
          // first row with a full window.
          if (!Number.isNaN(theirs)) assert.ok(!Number.isNaN(mine), `${name}.${out} row ${i}: undefined where trading-signals has ${theirs}`);
          if (i > 0 && Number.isNaN(mine)) assert.ok(i < def.warmup(params, ctx), `${name}.${out} row ${i}: undefined after the warm-up`);
        }
        if (i < from || Number.isNaN(theirs)) continue;
        assert.ok(close9(mine, theirs), `${name}.${out} row ${i}: ${mine} vs trading-signals ${theirs}`);
        compared++;
      }
    }
    assert.ok(compared > (N / 2) * Object.keys(map).length, `compared ${compared} values`);
  });
}

const close = (f: (p: number) => any): Reference => (b) => f(b.close);

check('sma', [20], () => { const x = new TS.SMA(20); return close((p) => x.update(p, false)); }, { sma: 'sma' }, { exactStart: true, from: 0 });
check('sma', [1], () => { const x = new TS.SMA(1); return close((p) => x.update(p, false)); }, { sma: 'sma' }, { exactStart: true, from: 0 });
check('wma', [15], () => { const x = new TS.WMA(15); return close((p) => x.update(p, false)); }, { wma: 'wma' }, { exactStart: true, from: 0 });
check('hma', [16], () => { const x = new TS.HMA(16); return close((p) => x.update(p, false)); }, { hma: 'hma' }, { exactStart: true, from: 0 });
check('hma', [21], () => { const x = new TS.HMA(21); return close((p) => x.update(p, false)); }, { hma: 'hma' }, { exactStart: true, from: 0 });
check('ema', [20], () => { const x = new TS.EMA(20); return close((p) => x.update(p, false)); }, { ema: 'ema' });
check('ema', [200], () => { const x = new TS.EMA(200); return close((p) => x.update(p, false)); }, { ema: 'ema' });
check('dema', [10], () => { const x = new TS.DEMA(10); return close((p) => (x.update(p, false), x.isStable ? x.getResultOrThrow() : null)); }, { dema: 'dema' });
check('tema', [10], () => { const x = new TS.TEMA(10); return close((p) => x.update(p, false)); }, { tema: 'tema' });
check('rsi', [14], () => { const x = new TS.RSI(14); return close((p) => x.update(p, false)); }, { rsi: 'rsi' });
check('rsi', [2], () => { const x = new TS.RSI(2); return close((p) => x.update(p, false)); }, { rsi: 'rsi' });
check('macd', [12, 26, 9], () => { const x = new TS.MACD(new TS.EMA(12), new TS.EMA(26), new TS.EMA(9)); return close((p) => x.update(p, false)); },
  { macd: 'macd', signal: 'signal', hist: 'histogram' });
check('bbands', [20, 2], () => { const x = new TS.BollingerBands(20, 2); return close((p) => x.update(p, false)); }, { upper: 'upper', middle: 'middle', lower: 'lower' }, { exactStart: true, from: 0 });
check('atr', [14], () => { const x = new TS.ATR(14); return (b) => x.update(b, false); }, { atr: 'atr' });
check('adx', [14], () => {
  const x = new TS.ADX(14);
  return (b) => { const adx = x.update(b, false); return adx === null ? null : { adx, pdi: 100 * x.pdi!, mdi: 100 * x.mdi! }; };
}, { adx: 'adx', pdi: 'pdi', mdi: 'mdi' });
check('stochastic', [14, 3, 3], () => { const x = new TS.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 }); return (b) => x.update(b, false); },
  { k: 'stochK', d: 'stochD' }, { exactStart: true, from: 0 });
// trading-signals returns the raw stochastic of the RSI (0..1); with k = 1 our %K is that, in percent.
check('stochrsi', [14, 14, 1, 1], () => { const x = new TS.StochasticRSI(14); return close((p) => { const v = x.update(p, false); return v === null ? null : 100 * v; }); }, { k: 'k' });
check('cci', [20], () => { const x = new TS.CCI(20); return (b) => x.update(b, false); }, { cci: 'cci' }, { exactStart: true, from: 0 });
check('williamsr', [14], () => { const x = new TS.WilliamsR(14); return (b) => x.update(b, false); }, { williamsr: 'w' }, { exactStart: true, from: 0 });
check('roc', [12], () => { const x = new TS.ROC(12); return close((p) => { const v = x.update(p, false); return v === null ? null : 100 * v; }); }, { roc: 'roc' }, { exactStart: true, from: 0 });
check('mfi', [14], () => { const x = new TS.MFI(14); return (b) => x.update(b, false); }, { mfi: 'mfi' }, { exactStart: true, from: 0 });
// trading-signals' OBV(2) starts at the second bar with 0 + its move; ours is 0 at the first bar.
check('obv', [], () => { const x = new TS.OBV(2); return (b) => x.update(b, false); }, { obv: 'obv' }, { from: 1 });
check('adl', [], () => { const x = new TS.AD(); return (b) => x.update(b, false); }, { adl: 'adl' }, { exactStart: true, from: 0 });
check('chaikin', [3, 10], () => { const x = new TS.ADOSC({ fastPeriod: 3, slowPeriod: 10 }); return (b) => x.update(b, false); }, { chaikin: 'c' });
check('donchian', [20], () => { const x = new TS.DonchianChannels(20); return (b) => x.update(b, false); }, { upper: 'upper', middle: 'middle', lower: 'lower' }, { exactStart: true, from: 0 });
check('keltner', [20, 10, 2], () => { const x = new TS.KeltnerChannels({ emaInterval: 20, atrInterval: 10, multiplier: 2 }); return (b) => x.update(b, false); },
  { upper: 'upper', middle: 'middle', lower: 'lower' });
check('supertrend', [10, 3], () => { const x = new TS.SuperTrend({ interval: 10, multiplier: 3 }); return (b) => x.update(b, false); },
  { supertrend: 'supertrend', direction: (r) => (r.trend === TS.TradingSignal.BULLISH ? 1 : -1) }, { exactStart: true, from: 0 });
check('ichimoku', [9, 26, 52], () => { const x = new TS.IchimokuCloud({ conversionInterval: 9, baseInterval: 26, spanBInterval: 52 }); return (b) => x.update(b, false); },
  { conversion: 'conversion', base: 'base', span_a: 'spanA', span_b: 'spanB' }, { exactStart: true, from: 0 });
check('aroon', [25], () => { const x = new TS.Aroon(25); return (b) => x.update(b, false); }, { up: 'aroonUp', down: 'aroonDown', oscillator: (r) => r.aroonUp - r.aroonDown }, { exactStart: true, from: 0 });
check('cmo', [14], () => { const x = new TS.CMO(14); return close((p) => x.update(p, false)); }, { cmo: 'cmo' }, { exactStart: true, from: 0 });
check('dpo', [20], () => { const x = new TS.DPO(20); return close((p) => x.update(p, false)); }, { dpo: 'dpo' }, { exactStart: true, from: 0 });
check('dpo', [7], () => { const x = new TS.DPO(7); return close((p) => x.update(p, false)); }, { dpo: 'dpo' }, { exactStart: true, from: 0 });
check('uo', [7, 14, 28], () => { const x = new TS.UltimateOscillator({ shortPeriod: 7, mediumPeriod: 14, longPeriod: 28 }); return (b) => x.update(b, false); }, { uo: 'uo' }, { exactStart: true, from: 0 });
