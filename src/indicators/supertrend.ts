// SuperTrend (Olivier Seban): basic bands hl2 ± mult·ATR(period); the final upper band only moves down
// (and the lower only up) unless the previous close broke it; the trend is up while the close stays above
// the final lower band, down while below the final upper band. Output: the active band and the direction
// (+1 up, −1 down). Path-dependent, so its warm-up is the whole history.
import { atrOf } from './atr.js';
import { nanArray } from './math.js';
import { factor, period } from './params.js';
import type { IndicatorDef } from './types.js';

export const supertrendIndicator: IndicatorDef = {
  name: 'supertrend',
  title: 'SuperTrend',
  description: 'ATR trailing band that flips with the trend; direction +1 up, −1 down',
  params: [period('period', 10, 'ATR period'), factor('mult', 3, 'ATRs from hl2')],
  outputs: ['supertrend', 'direction'],
  overlay: true,
  warmup: () => Infinity,
  warmupText: 'whole history (path-dependent)',
  compute: (b, [n, k]) => {
    const atr = atrOf(b, n);
    const line = nanArray(b.length);
    const dir = nanArray(b.length);
    let started = false;
    let up = false;
    let fu = 0;
    let fl = 0;
    let prevClose = 0;
    for (let i = 0; i < b.length; i++) {
      if (Number.isNaN(atr[i])) continue;
      const hl2 = (b.high[i] + b.low[i]) / 2;
      const bu = hl2 + k * atr[i];
      const bl = hl2 - k * atr[i];
      const c = b.close[i];
      if (!started) {
        fu = bu;
        fl = bl;
        up = c > fu;
        started = true;
      } else {
        fu = bu < fu || prevClose > fu ? bu : fu;
        fl = bl > fl || prevClose < fl ? bl : fl;
        up = up ? c >= fl : c > fu;
      }
      prevClose = c;
      line[i] = up ? fl : fu;
      dir[i] = up ? 1 : -1;
    }
    return [line, dir];
  },
};
