// Classic (floor) pivot points from the previous store-time day's high H, low L and close C:
// P = (H + L + C)/3, R1 = 2P − L, S1 = 2P − H, R2 = P + (H − L), S2 = P − (H − L),
// R3 = H + 2(P − L), S3 = L − 2(H − P). On timeframes of a day or more, from the previous bar.
import { previousDayHLC } from './sessions.js';
import { barsPerDays, type IndicatorDef } from './types.js';

export const pivotIndicator: IndicatorDef = {
  name: 'pivot',
  title: 'Pivot points (classic)',
  description: "floor pivots from the previous day's high, low and close",
  params: [],
  outputs: ['p', 'r1', 'r2', 'r3', 's1', 's2', 's3'],
  overlay: true,
  // Everything since the start of the previous trading day: at most two days of the shortest bar.
  warmup: (_p, ctx) => barsPerDays(ctx, 2),
  warmupText: 'bars in two days of the timeframe',
  compute: (b) => {
    const { high: H, low: L, close: C } = previousDayHLC(b);
    const n = b.length;
    const out = Array.from({ length: 7 }, () => new Float64Array(n));
    const [p, r1, r2, r3, s1, s2, s3] = out;
    for (let i = 0; i < n; i++) {
      p[i] = (H[i] + L[i] + C[i]) / 3;
      r1[i] = 2 * p[i] - L[i];
      s1[i] = 2 * p[i] - H[i];
      r2[i] = p[i] + (H[i] - L[i]);
      s2[i] = p[i] - (H[i] - L[i]);
      r3[i] = H[i] + 2 * (p[i] - L[i]);
      s3[i] = L[i] - 2 * (H[i] - p[i]);
    }
    return out;
  },
};
