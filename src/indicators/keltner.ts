// Keltner channels (modern form, as StockCharts): EMA(period) of closes ± mult · ATR(atr).
import { atrOf, atrWarmup } from './atr.js';
import { ema, emaSettle } from './math.js';
import { factor, period } from './params.js';
import type { IndicatorDef } from './types.js';

export const keltnerIndicator: IndicatorDef = {
  name: 'keltner',
  title: 'Keltner channels',
  description: 'EMA of closes ± mult · ATR',
  params: [period('period', 20, 'EMA period'), period('atr', 10, 'ATR period'), factor('mult', 2, 'ATRs from the middle')],
  outputs: ['upper', 'middle', 'lower'],
  overlay: true,
  warmup: ([n, a]) => Math.max(n - 1 + emaSettle(n), atrWarmup(a)),
  warmupText: 'max(ema warm-up of period, atr warm-up of atr)',
  compute: (b, [n, a, k]) => {
    const mid = ema(b.close, n);
    const atr = atrOf(b, a);
    const upper = new Float64Array(b.length);
    const lower = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) {
      upper[i] = mid[i] + k * atr[i];
      lower[i] = mid[i] - k * atr[i];
    }
    return [upper, mid, lower];
  },
};
