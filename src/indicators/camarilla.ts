// Camarilla pivot points (Nick Scott) from the previous store-time day's high H, low L and close C:
// R_k = C + (H − L)·1.1/m_k and S_k = C − (H − L)·1.1/m_k with m = 12, 6, 4, 2 for k = 1..4.
import { previousDayHLC } from './sessions.js';
import { barsPerDays, type IndicatorDef } from './types.js';

const DIVISORS = [12, 6, 4, 2];

export const camarillaIndicator: IndicatorDef = {
  name: 'camarilla',
  title: 'Pivot points (Camarilla)',
  description: "Camarilla levels from the previous day's high, low and close",
  params: [],
  outputs: ['r1', 'r2', 'r3', 'r4', 's1', 's2', 's3', 's4'],
  overlay: true,
  warmup: (_p, ctx) => barsPerDays(ctx, 2),
  warmupText: 'bars in two days of the timeframe',
  compute: (b) => {
    const { high: H, low: L, close: C } = previousDayHLC(b);
    const n = b.length;
    const r = DIVISORS.map(() => new Float64Array(n));
    const s = DIVISORS.map(() => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      const range = H[i] - L[i];
      for (let k = 0; k < 4; k++) {
        r[k][i] = C[i] + (range * 1.1) / DIVISORS[k];
        s[k][i] = C[i] - (range * 1.1) / DIVISORS[k];
      }
    }
    return [...r, ...s];
  },
};
