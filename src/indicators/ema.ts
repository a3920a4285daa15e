// Exponential moving average of closes, alpha 2/(period+1), seeded with the SMA of the first `period`
// closes (TA-Lib, StockCharts). Infinite memory: warm-up adds the bars that make the seed's weight < 1e-12.
import { ema, emaSettle } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const emaIndicator: IndicatorDef = {
  name: 'ema',
  title: 'Exponential moving average',
  description: 'EMA of closes, alpha 2/(period+1), seeded with the SMA of the first period closes',
  params: [period('period', 20)],
  outputs: ['ema'],
  overlay: true,
  warmup: ([n]) => n - 1 + emaSettle(n),
  warmupText: 'period - 1 + ceil(ln 1e-12 / ln(1 - 2/(period+1)))',
  compute: (b, [n]) => [ema(b.close, n)],
};
