// The chart itself: TradingView lightweight-charts with candles and a volume histogram in the price pane,
// overlay indicators on top of them and each oscillator in a pane of its own. It draws what BarWindow
// holds (data.js) and reports what the user does with the view; it never fetches anything.
import { createChart, CandlestickSeries, HistogramSeries, LineSeries, LineStyle, CrosshairMode } from 'lightweight-charts';
import { drawPlan, levelsOf, outputColumn, priceFormatOf } from './indicatorStyle.js';

export const UP = '#26a69a';
export const DOWN = '#ef5350';
const VOLUME_UP = 'rgba(38, 166, 154, 0.45)';
const VOLUME_DOWN = 'rgba(239, 83, 80, 0.45)';
/** The spread line (ask close − bid close) in its own pane, like an oscillator. */
export const SPREAD = '#8e24aa';

const sec = (ms) => ms / 1000;

export class ChartView {
  /**
   * @param {HTMLElement} container
   * @param {{onRange: (logical: {from:number,to:number}|null) => void, onCrosshair: (index: number|null) => void, onUserMove: () => void}} events
   */
  constructor(container, events) {
    this.container = container;
    this.events = events;
    this.decimals = 5;
    this.indicators = new Map(); // id → {ind, entries:[{plan, series}]}
    this.chart = createChart(container, {
      autoSize: true,
      layout: { attributionLogo: true, fontFamily: 'system-ui, sans-serif', panes: { separatorColor: '#8884', enableResize: true } },
      crosshair: { mode: CrosshairMode.Normal },
      timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 4 },
      rightPriceScale: { scaleMargins: { top: 0.08, bottom: 0.22 } },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: UP, downColor: DOWN, borderUpColor: UP, borderDownColor: DOWN, wickUpColor: UP, wickDownColor: DOWN,
    });
    this.volume = this.chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    this.chart.timeScale().subscribeVisibleLogicalRangeChange((r) => events.onRange(r));
    this.chart.subscribeCrosshairMove((p) => events.onCrosshair(p.logical === undefined || p.time === undefined ? null : Math.round(p.logical)));
    // Only moves the user makes count as "the view changed" (for the URL); data loading moves it too.
    for (const type of ['pointerdown', 'wheel', 'touchstart']) container.addEventListener(type, () => events.onUserMove(), { passive: true });
    container.addEventListener('keydown', (e) => this.onKey(e));
  }

  applyTheme(colors) {
    this.chart.applyOptions({
      layout: { background: { color: colors.bg }, textColor: colors.fg },
      grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
      rightPriceScale: { borderColor: colors.border },
      timeScale: { borderColor: colors.border },
    });
  }

  /**
   * The spread pane (ask close − bid close, the `spread` column) on or off; `decimals` are the store's (the
   * spread's, also when the prices are mid with one more).
   */
  setSpread(on, decimals) {
    if (!on) {
      if (this.spread) this.chart.removeSeries(this.spread);
      this.spread = undefined;
      this.layoutPanes();
      return;
    }
    const priceFormat = { type: 'price', precision: decimals, minMove: 10 ** -decimals };
    if (this.spread) return this.spread.applyOptions({ priceFormat });
    this.spread = this.chart.addSeries(LineSeries, { color: SPREAD, lineWidth: 2, priceLineVisible: false, title: 'spread', priceFormat }, this.chart.panes().length);
    this.layoutPanes();
  }

  setDecimals(decimals) {
    this.decimals = decimals;
    this.candles.applyOptions({ priceFormat: { type: 'price', precision: decimals, minMove: 10 ** -decimals } });
    for (const { ind, entries } of this.indicators.values()) {
      for (const e of entries) e.series.applyOptions({ priceFormat: priceFormatOf(ind.def, decimals) });
    }
  }

  /** Series for an indicator ({id, def, params, colorIndex}); its values come with the next render. */
  addIndicator(ind) {
    const plans = drawPlan(ind.def, ind.colorIndex);
    const entries = [];
    let pane = ind.def.overlay ? 0 : this.chart.panes().length;
    for (const plan of plans) {
      const common = {
        priceFormat: priceFormatOf(ind.def, this.decimals),
        priceLineVisible: false,
        lastValueVisible: !ind.def.overlay,
        crosshairMarkerVisible: plan.kind === 'line' && !ind.def.overlay,
        title: plans.length === 1 || plan.kind === 'candles' ? ind.label : '',
      };
      let series;
      if (plan.kind === 'histogram') series = this.chart.addSeries(HistogramSeries, { ...common, ...plan.options }, pane);
      else if (plan.kind === 'candles') {
        series = this.chart.addSeries(CandlestickSeries, {
          ...common, upColor: 'rgba(38,166,154,0.35)', downColor: 'rgba(239,83,80,0.35)', borderVisible: false,
          wickUpColor: 'rgba(38,166,154,0.6)', wickDownColor: 'rgba(239,83,80,0.6)',
        }, pane);
      } else if (plan.kind === 'dots') {
        series = this.chart.addSeries(LineSeries, { ...common, ...plan.options, lineVisible: false, pointMarkersVisible: true, pointMarkersRadius: 1.5 }, pane);
      } else series = this.chart.addSeries(LineSeries, { ...common, ...plan.options }, pane);
      pane = series.getPane().paneIndex();
      entries.push({ plan, series });
    }
    if (!ind.def.overlay) {
      for (const level of levelsOf(ind.def.name)) {
        entries[0].series.createPriceLine({ price: level, color: '#8889', lineWidth: 1, lineStyle: LineStyle.Dashed, axisLabelVisible: false });
      }
    }
    this.indicators.set(ind.id, { ind, entries });
    this.layoutPanes();
  }

  removeIndicator(id) {
    const held = this.indicators.get(id);
    if (!held) return;
    for (const e of held.entries) this.chart.removeSeries(e.series);
    this.indicators.delete(id);
    this.layoutPanes();
  }

  /** The price pane gets most of the height; oscillator panes share the rest. */
  layoutPanes() {
    const panes = this.chart.panes();
    panes.forEach((p, i) => p.setStretchFactor(i === 0 ? Math.max(2, panes.length) : 1));
  }

  /**
   * Draw every series from `win` (BarWindow). `shift` = bars added before the first one since the last render:
   * the view is moved by as many so it stays on the same bars. With `keep` (or a shift) the view stays on
   * the bars it showed even when bars were added after the last one.
   */
  render(win, shift = 0, keep = shift !== 0) {
    const before = keep ? this.chart.timeScale().getVisibleLogicalRange() : null;
    const n = win.length;
    const candles = new Array(n);
    const volume = new Array(n);
    for (let i = 0; i < n; i++) candles[i] = this.candleAt(win, i);
    for (let i = 0; i < n; i++) volume[i] = this.volumeAt(win, i);
    this.candles.setData(candles);
    this.volume.setData(volume);
    if (this.spread) this.spread.setData(spreadData(win, 0, n));
    for (const { ind, entries } of this.indicators.values()) {
      for (const e of entries) e.series.setData(seriesData(win, ind, e.plan, 0, n));
    }
    if (before) this.chart.timeScale().setVisibleLogicalRange({ from: before.from + shift, to: before.to + shift });
  }

  /** Redraw bars [from, n) only (the still-open bar and new ones), through update(): cheap and keeps the view. */
  renderTail(win, from) {
    for (let i = from; i < win.length; i++) {
      this.candles.update(this.candleAt(win, i));
      this.volume.update(this.volumeAt(win, i));
    }
    if (this.spread) for (const point of spreadData(win, from, win.length)) this.spread.update(point);
    for (const { ind, entries } of this.indicators.values()) {
      for (const e of entries) for (const point of seriesData(win, ind, e.plan, from, win.length)) e.series.update(point);
    }
  }

  candleAt(win, i) {
    const bar = { time: sec(win.time[i]), open: win.open[i], high: win.high[i], low: win.low[i], close: win.close[i] };
    if (!win.forming[i]) return bar;
    // A bar still open is drawn hollow: its values will change.
    const c = win.close[i] >= win.open[i] ? UP : DOWN;
    return { ...bar, color: 'rgba(0, 0, 0, 0)', borderColor: c, wickColor: c };
  }

  volumeAt(win, i) {
    return { time: sec(win.time[i]), value: win.volume[i], color: win.close[i] >= win.open[i] ? VOLUME_UP : VOLUME_DOWN };
  }

  visibleLogicalRange() {
    return this.chart.timeScale().getVisibleLogicalRange();
  }

  /** Show bars [first, last] of the loaded window. */
  showBars(first, last) {
    this.lastShownIndex = last + 0.5;
    this.chart.timeScale().setVisibleLogicalRange({ from: first - 0.5, to: last + 0.5 });
  }

  /** The latest bars at the right edge, at once (scrollToRealTime animates for 400 ms). */
  showLatest() {
    const offset = this.chart.timeScale().options().rightOffset;
    const n = this.candles.data().length;
    this.lastShownIndex = n === 0 ? undefined : n - 1 + offset;
    this.chart.timeScale().scrollToPosition(offset, false);
  }

  /** ← → scroll (Shift: ten times as far), + − or ↑ ↓ zoom, Home/End: oldest loaded / latest bar. */
  onKey(e) {
    const ts = this.chart.timeScale();
    const r = ts.getVisibleLogicalRange();
    if (!r) return;
    const width = r.to - r.from;
    const step = Math.max(1, Math.round(width / 10)) * (e.shiftKey ? 10 : 1);
    let next;
    switch (e.key) {
      case 'ArrowLeft': next = { from: r.from - step, to: r.to - step }; break;
      case 'ArrowRight': next = { from: r.from + step, to: r.to + step }; break;
      case '+': case '=': case 'ArrowUp': next = { from: r.from + width / 4, to: r.to - width / 4 }; break;
      case '-': case 'ArrowDown': next = { from: r.from - width / 2, to: r.to + width / 2 }; break;
      case 'Home': next = { from: -2, to: width - 2 }; break;
      case 'End': this.events.onUserMove(); ts.scrollToRealTime(); e.preventDefault(); return;
      default: return;
    }
    e.preventDefault();
    this.events.onUserMove();
    ts.setVisibleLogicalRange(next);
  }

  resetIndicators() {
    for (const id of [...this.indicators.keys()]) this.removeIndicator(id);
  }
}

/** The spread column's points for bars [from, to) (whitespace where a bar has none). */
function spreadData(win, from, to) {
  const values = win.cols.get('spread') ?? [];
  const out = new Array(Math.max(0, to - from));
  for (let i = from; i < to; i++) out[i - from] = values[i] == null ? { time: sec(win.time[i]) } : { time: sec(win.time[i]), value: values[i] };
  return out;
}

/** Points of one planned series for bars [from, to): whitespace where the indicator is not defined yet. */
function seriesData(win, ind, plan, from, to) {
  const column = (o) => win.cols.get(outputColumn(ind.def, ind.params, o)) ?? [];
  const out = new Array(Math.max(0, to - from));
  if (plan.kind === 'candles') {
    const [o, h, l, c] = plan.outputs.map(column);
    for (let i = from; i < to; i++) {
      const time = sec(win.time[i]);
      out[i - from] = o[i] == null || h[i] == null || l[i] == null || c[i] == null ? { time } : { time, open: o[i], high: h[i], low: l[i], close: c[i] };
    }
    return out;
  }
  const values = column(plan.outputs[0]);
  const colorBy = plan.colorBy ? column(plan.colorBy) : null;
  const ahead = plan.aheadByParam === undefined ? 0 : ind.params[plan.aheadByParam];
  for (let i = from; i < to; i++) {
    const time = sec(win.time[i]);
    const v = i - ahead >= 0 ? values[i - ahead] : null;
    if (v == null) out[i - from] = { time };
    else if (plan.kind === 'histogram') out[i - from] = { time, value: v, color: v >= 0 ? VOLUME_UP : VOLUME_DOWN };
    else if (colorBy) out[i - from] = { time, value: v, color: colorBy[i] != null && colorBy[i] < 0 ? DOWN : UP };
    else out[i - from] = { time, value: v };
  }
  return out;
}
