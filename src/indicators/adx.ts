// Average directional index with +DI and −DI (Wilder 1978). +DM = up-move when it is positive and larger
// than the down-move (else 0), −DM likewise; +DI = 100·W(+DM)/W(TR), −DI = 100·W(−DM)/W(TR) with Wilder's
// average W; DX = 100·|+DI − −DI|/(+DI + −DI) (0 when both are 0); ADX = W(DX). The first bar has no move.
import { nanArray, trueRange, wilder, wilderSettle } from './math.js';
import { period } from './params.js';
import type { IndicatorDef } from './types.js';

export const adxIndicator: IndicatorDef = {
  name: 'adx',
  title: 'Average directional index',
  description: "Wilder's ADX with the +DI and −DI lines",
  params: [period('period', 14)],
  outputs: ['adx', 'pdi', 'mdi'],
  overlay: false,
  warmup: ([n]) => 2 * (n - 1 + wilderSettle(n)),
  warmupText: '2 · (period - 1 + ceil(ln 1e-12 / ln(1 - 1/period)))',
  compute: (b, [n]) => {
    const len = b.length;
    const pdm = new Float64Array(len);
    const mdm = new Float64Array(len);
    for (let i = 1; i < len; i++) {
      const up = b.high[i] - b.high[i - 1];
      const down = b.low[i - 1] - b.low[i];
      pdm[i] = up > down && up > 0 ? up : 0;
      mdm[i] = down > up && down > 0 ? down : 0;
    }
    const tr = wilder(trueRange(b.high, b.low, b.close), n);
    const sp = wilder(pdm, n);
    const sm = wilder(mdm, n);
    const pdi = nanArray(len);
    const mdi = nanArray(len);
    const dx = nanArray(len);
    for (let i = 0; i < len; i++) {
      if (Number.isNaN(tr[i])) continue;
      pdi[i] = tr[i] === 0 ? 0 : (100 * sp[i]) / tr[i];
      mdi[i] = tr[i] === 0 ? 0 : (100 * sm[i]) / tr[i];
      const sum = pdi[i] + mdi[i];
      dx[i] = sum === 0 ? 0 : (100 * Math.abs(pdi[i] - mdi[i])) / sum;
    }
    return [wilder(dx, n), pdi, mdi];
  },
};
