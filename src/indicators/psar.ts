// Parabolic SAR (Wilder 1978). Starts on the second bar: long when its median price is not below the first
// bar's, with the first bar's low (long) or high (short) as SAR and the second bar's high/low as extreme
// point. Each bar: SAR += AF·(EP − SAR), never above the two previous lows (long) / below the two
// previous highs (short); a new extreme raises AF by `step` up to `max`; a bar crossing the SAR reverses:
// SAR = EP of the finished trend, EP = the bar's low/high, AF = step.
// Path-dependent (the trend state flips on crossings), so no finite warm-up is exact: the whole history.
// trading-signals@8 moves the SAR 0.01 (absolute) below the low after some up-reversals, which Wilder's
// rules do not have and which is a large jump for prices near 1.0; we follow Wilder.
import { nanArray } from './math.js';
import { factor } from './params.js';
import type { IndicatorDef } from './types.js';

export const psarIndicator: IndicatorDef = {
  name: 'psar',
  title: 'Parabolic SAR',
  description: "Wilder's stop and reverse",
  params: [factor('step', 0.02, 'acceleration step', 0.001, 1), factor('max', 0.2, 'acceleration cap', 0.001, 1)],
  outputs: ['psar'],
  overlay: true,
  warmup: () => Infinity,
  warmupText: 'whole history (path-dependent)',
  compute: (b, [step, max]) => {
    const { high, low } = b;
    const n = b.length;
    const out = nanArray(n);
    if (n < 2) return [out];
    let long = (high[1] + low[1]) / 2 >= (high[0] + low[0]) / 2;
    let sar = long ? low[0] : high[0];
    let ep = long ? high[1] : low[1];
    let af = step;
    out[1] = sar;
    for (let i = 2; i < n; i++) {
      sar += af * (ep - sar);
      if (long) {
        sar = Math.min(sar, low[i - 1], low[i - 2]);
        if (high[i] > ep) {
          ep = high[i];
          af = Math.min(af + step, max);
        }
        if (low[i] < sar) {
          long = false;
          sar = ep;
          ep = low[i];
          af = step;
        }
      } else {
        sar = Math.max(sar, high[i - 1], high[i - 2]);
        if (low[i] < ep) {
          ep = low[i];
          af = Math.min(af + step, max);
        }
        if (high[i] > sar) {
          long = true;
          sar = ep;
          ep = high[i];
          af = step;
        }
      }
      out[i] = sar;
    }
    return [out];
  },
};
