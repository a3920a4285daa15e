// How each indicator is drawn: which outputs become lines, histograms or dots, their colours, the reference
// levels of bounded oscillators, and the price precision of their scale. The API says where an indicator
// belongs (`overlay`: the price pane, otherwise a pane of its own); everything here is presentation only.

const PALETTE = ['#2962ff', '#ff9800', '#9c27b0', '#00897b', '#e91e63', '#795548', '#607d8b', '#3f51b5', '#8bc34a'];

/** Reference levels drawn as dashed lines in an oscillator's pane. */
const LEVELS = {
  rsi: [30, 70], stochastic: [20, 80], stochrsi: [20, 80], williamsr: [-80, -20], mfi: [20, 80], cci: [-100, 100],
  cmo: [-50, 50], uo: [30, 70], adx: [25], aroon: [30, 70], zscore: [-2, 2], macd: [0], roc: [0], dpo: [0], chaikin: [0],
};

/** Oscillators in price units (shown with the symbol's decimals); bounded ones get 2 decimals, volume sums 0. */
const PRICE_UNITS = new Set(['macd', 'atr', 'stddev', 'dpo']);
const VOLUME_UNITS = new Set(['obv', 'adl', 'chaikin']);

/** Column name of one output, as the API names it: `rsi_14`, `macd_12_26_9__hist`. */
export function outputColumn(def, params, output) {
  const key = [def.name, ...params.map(String)].join('_');
  return def.outputs.length === 1 ? key : `${key}__${output}`;
}

/** The API's canonical key of an indicator with these params (`bbands_20_2`). */
export function indicatorKey(name, params) {
  return [name, ...params.map(String)].join('_');
}

/**
 * Series to create for one indicator: [{kind:'line'|'histogram'|'dots'|'candles', outputs:[…], options}]
 * (`colorBy`: an output whose sign colours the line; `aheadByParam`: the param giving how many bars ahead
 * the values are drawn).
 * `colorIndex` varies the colour of single-line overlays so two SMAs are told apart.
 */
export function drawPlan(def, colorIndex) {
  const color = (k) => PALETTE[(colorIndex + k) % PALETTE.length];
  const line = (output, k, extra = {}) => ({ kind: 'line', outputs: [output], options: { color: color(k), lineWidth: 1.5, ...extra } });
  switch (def.name) {
    case 'macd':
      return [
        { kind: 'histogram', outputs: ['hist'], options: { color: '#90a4ae' } },
        line('macd', 0),
        line('signal', 1),
      ];
    case 'psar':
      return [{ kind: 'dots', outputs: ['psar'], options: { color: color(0) } }];
    case 'supertrend':
      // direction (+1 up, −1 down) colours the line instead of being drawn.
      return [{ kind: 'line', outputs: ['supertrend'], colorBy: 'direction', options: { lineWidth: 2, color: '#26a69a' } }];
    case 'heikinashi':
      return [{ kind: 'candles', outputs: ['open', 'high', 'low', 'close'], options: {} }];
    case 'bbands':
    case 'keltner':
    case 'donchian':
      return [line('upper', 0), line('middle', 0, { lineStyle: 2 }), line('lower', 0)];
    case 'ichimoku':
      // The API gives the spans as computed at each bar; the chart draws them `base` (param 1) bars ahead,
      // as far as the loaded bars go.
      return [
        line('conversion', 0), line('base', 4),
        { ...line('span_a', 3, { lineWidth: 1 }), aheadByParam: 1 }, { ...line('span_b', 5, { lineWidth: 1 }), aheadByParam: 1 },
      ];
    default:
      return def.outputs.map((o, k) => line(o, k));
  }
}

export function levelsOf(name) {
  return LEVELS[name] ?? [];
}

/** priceFormat of an indicator's series. */
export function priceFormatOf(def, decimals) {
  const precision = def.overlay || PRICE_UNITS.has(def.name) ? decimals + (def.overlay ? 0 : 1) : VOLUME_UNITS.has(def.name) ? 0 : 2;
  return { type: 'price', precision, minMove: 10 ** -precision };
}
