// Double EMA (Mulloy): 2·EMA(close) − EMA(EMA(close)), each EMA seeded with an SMA.
import { ema, emaSettle } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const demaIndicator: IndicatorDef = {
  name: 'dema',
  title: 'Double exponential moving average',
  description: '2·EMA − EMA(EMA) of closes',
  params: [period('period', 20)],
  outputs: ['dema'],
  overlay: true,
  warmup: ([n]) => 2 * (n - 1 + emaSettle(n)),
  warmupText: '2 · ema warm-up',
  compute: (b, [n]) => {
    const e1 = ema(b.close, n);
    const e2 = ema(e1, n);
    const out = new Float64Array(b.length);
    for (let i = 0; i < out.length; i++) out[i] = 2 * e1[i] - e2[i];
    return [out];
  },
};
