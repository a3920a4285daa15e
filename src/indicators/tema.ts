// Triple EMA (Mulloy): 3·EMA − 3·EMA(EMA) + EMA(EMA(EMA)) of closes.
import { ema, emaSettle } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const temaIndicator: IndicatorDef = {
  name: 'tema',
  title: 'Triple exponential moving average',
  description: '3·EMA − 3·EMA(EMA) + EMA(EMA(EMA)) of closes',
  params: [period('period', 20)],
  outputs: ['tema'],
  overlay: true,
  warmup: ([n]) => 3 * (n - 1 + emaSettle(n)),
  warmupText: '3 · ema warm-up',
  compute: (b, [n]) => {
    const e1 = ema(b.close, n);
    const e2 = ema(e1, n);
    const e3 = ema(e2, n);
    const out = new Float64Array(b.length);
    for (let i = 0; i < out.length; i++) out[i] = 3 * e1[i] - 3 * e2[i] + e3[i];
    return [out];
  },
};
