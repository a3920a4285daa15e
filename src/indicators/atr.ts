// Average true range (Wilder): Wilder's average of the true range, seeded with the mean of the first
// `period` true ranges (the first bar's true range is high − low).
import { trueRange, wilder, wilderSettle } from './math.js';
import { period } from './params.js';
import type { Bars, IndicatorDef } from './types.js';

export const atrOf = (b: Bars, n: number) => wilder(trueRange(b.high, b.low, b.close), n);
export const atrWarmup = (n: number) => n - 1 + wilderSettle(n);

export const atrIndicator: IndicatorDef = {
  name: 'atr',
  title: 'Average true range',
  description: "Wilder's average of the true range",
  params: [period('period', 14)],
  outputs: ['atr'],
  overlay: false,
  warmup: ([n]) => atrWarmup(n),
  warmupText: 'period - 1 + ceil(ln 1e-12 / ln(1 - 1/period))',
  compute: (b, [n]) => [atrOf(b, n)],
};
