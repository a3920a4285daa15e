// Heikin-Ashi candles: close = (O + H + L + C)/4, open = (previous HA open + previous HA close)/2 (the
// first bar's HA open is (O + C)/2), high = max(H, HA open, HA close), low = min(L, HA open, HA close).
// The open halves the previous difference every bar, so 40 bars make a seed's weight < 1e-12.
import { settle } from './math.js';
import type { IndicatorDef } from './types.js';

export const heikinashiIndicator: IndicatorDef = {
  name: 'heikinashi',
  title: 'Heikin-Ashi',
  description: 'averaged candles (open, high, low, close)',
  params: [],
  outputs: ['open', 'high', 'low', 'close'],
  overlay: true,
  warmup: () => settle(0.5),
  warmupText: 'ceil(ln 1e-12 / ln 0.5) = 40',
  compute: (b) => {
    const n = b.length;
    const o = new Float64Array(n);
    const h = new Float64Array(n);
    const l = new Float64Array(n);
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      c[i] = (b.open[i] + b.high[i] + b.low[i] + b.close[i]) / 4;
      o[i] = i === 0 ? (b.open[0] + b.close[0]) / 2 : (o[i - 1] + c[i - 1]) / 2;
      h[i] = Math.max(b.high[i], o[i], c[i]);
      l[i] = Math.min(b.low[i], o[i], c[i]);
    }
    return [o, h, l, c];
  },
};
