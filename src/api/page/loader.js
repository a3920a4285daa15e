// Loading bars into the page's BarWindow through /v1/candles: the first window (a bookmarked range, the
// bars ending at a time, or the latest), older bars when the view nears the left edge (`until` = the first
// bar loaded), newer ones near the right edge until the end of the store, the still-open last bar and new
// bars by polling while the window reaches that end, and one indicator's values over what is loaded.
// Requests run one at a time through a queue; a request started for an earlier symbol or timeframe is
// dropped when it answers, so nothing stale is ever drawn.
import { getCandles } from './api.js';

/** Bars a request asks for when scrolling or starting. */
export const PAGE = 1000;
/** Bars a bookmarked range may load at once (a chart shows at most a few thousand anyway). */
const RANGE_LIMIT = 5000;
/** Start loading more when fewer bars than this are left beyond the edge of the view. */
const EDGE = 50;
/** After a failed request, loading at the edges waits this long (or scrolling would retry in a loop). */
const PAUSE_AFTER_FAILURE_MS = 5000;
/**
 * Most bars held at once: every load redraws the whole window, so its cost stays flat however far the user
 * scrolls; bars beyond it on the far side of the view are forgotten and loaded again if the user comes back.
 */
const MAX_BARS = 30_000;
/** Rows a request asks for when filling an indicator over the loaded bars. */
const FILL_ROWS = 20_000;

export class Loader {
  /**
   * @param {import('./barWindow.js').BarWindow} win
   * @param {import('./chart.js').ChartView} view
   * @param {{query: () => {id: string, tf: string, indicators: string[], extra: object}, loaded: (first: boolean) => void,
   *          failed: (message: string) => void, answered: () => void}} hooks
   */
  constructor(win, view, hooks) {
    this.win = win;
    this.view = view;
    this.hooks = hooks;
    this.generation = 0;
    this.queue = Promise.resolve();
    this.loadingEdge = false;
    this.pauseUntil = 0;
    /** A new window is being drawn: the view's range still belongs to the old one until the next frame. */
    this.settling = false;
  }

  /** Run data tasks one after another; a task queued for an earlier window is dropped. */
  enqueue(task) {
    const g = this.generation;
    const run = this.queue.then(async () => {
      if (g !== this.generation) return;
      await task(() => g !== this.generation);
      this.hooks.answered();
    });
    this.queue = run.catch((err) => {
      this.pauseUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
      this.hooks.failed(err instanceof Error ? err.message : String(err));
    });
    return this.queue;
  }

  /**
   * A new window for the current query: bars from `from` to `to` (both included) when given and not empty,
   * else the `PAGE` bars ending at `endAt` (shown `bars` wide) or the latest ones.
   */
  reload({ from, to, endAt, bars } = {}) {
    this.generation++;
    this.settling = true;
    const { win, view } = this;
    win.clear();
    view.render(win);
    const { id, tf, indicators, extra } = this.hooks.query();
    this.enqueue(async (stale) => {
      if (from !== undefined && to !== undefined) {
        const chunk = await getCandles(id, tf, { after: from, until: to + 1, limit: RANGE_LIMIT, indicators, extra });
        if (stale()) return;
        if (chunk.time.length > 0) {
          win.replaceFrom(chunk);
          view.render(win);
          view.showBars(0, win.length - 1);
          this.settled();
          return;
        }
      }
      const until = endAt === undefined ? undefined : endAt + 1;
      const chunk = await getCandles(id, tf, { until, order: 'desc', limit: PAGE, indicators, extra });
      if (stale()) return;
      win.replaceFrom(chunk);
      win.atStart = chunk.time.length < PAGE;
      win.atEnd = until === undefined;
      view.render(win);
      if (bars && win.length) view.showBars(Math.max(0, win.length - bars), win.length - 1);
      else view.showLatest();
      this.settled();
    });
  }

  /**
   * The chart applies a new window's view on one of its next frames; only then is its range worth reading
   * (before, it can still be the old window's, and the edges would load bars for nothing).
   */
  settled(frames = 0) {
    const g = this.generation;
    requestAnimationFrame(() => {
      if (g !== this.generation) return;
      const r = this.view.visibleLogicalRange();
      const lastShown = this.view.lastShownIndex;
      if (frames < 20 && (!r || (lastShown !== undefined && Math.abs(r.to - lastShown) > 1.5))) {
        this.settled(frames + 1);
        return;
      }
      this.settling = false;
      this.hooks.loaded(true);
    });
  }

  /** Near the left edge: older bars; near the right one: newer bars (until the store's end). */
  checkEdges() {
    const { win } = this;
    if (this.settling || this.loadingEdge || win.length === 0 || Date.now() < this.pauseUntil) return;
    const r = this.view.visibleLogicalRange();
    if (!r) return;
    if (r.from < EDGE && !win.atStart) this.edge((chunk) => this.older(chunk), { until: win.firstTime, order: 'desc' });
    else if (r.to > win.length - EDGE && !win.atEnd) this.edge((chunk) => this.newer(chunk), { after: win.lastTime + 1 });
  }

  edge(apply, range) {
    this.loadingEdge = true;
    const { id, tf, indicators, extra } = this.hooks.query();
    this.enqueue(async (stale) => {
      const chunk = await getCandles(id, tf, { ...range, limit: PAGE, indicators, extra });
      if (stale()) return;
      apply(chunk);
      this.hooks.loaded(false);
    }).finally(() => {
      this.loadingEdge = false;
      this.checkEdges();
    });
  }

  older(chunk) {
    const { win } = this;
    if (chunk.time.length < PAGE) win.atStart = true;
    const added = win.prepend(chunk);
    win.dropNewest(win.length - MAX_BARS);
    if (added) this.view.render(win, added);
  }

  newer(chunk) {
    const { win } = this;
    if (chunk.time.length < PAGE) win.atEnd = true;
    win.replaceFrom(chunk);
    const dropped = Math.max(0, win.length - MAX_BARS);
    win.dropOldest(dropped);
    // Not renderTail: update() would scroll the view along with the new bars, away from what the user looks at.
    this.view.render(win, -dropped, true);
  }

  /** The still-open last bar and any new ones, while the window reaches the end of the store. */
  poll() {
    const { win } = this;
    if (document.hidden || !win.atEnd || win.length === 0 || this.loadingEdge) return;
    const { id, tf, indicators, extra } = this.hooks.query();
    this.enqueue(async (stale) => {
      const chunk = await getCandles(id, tf, { after: win.lastTime, limit: PAGE, indicators, extra });
      if (stale() || chunk.time.length === 0) return;
      if (chunk.time.length === PAGE) win.atEnd = false; // a long pause: the rest comes as the user scrolls
      const at = win.replaceFrom(chunk);
      this.view.renderTail(win, at);
      this.hooks.loaded(false);
    });
  }

  /** One indicator's values over the bars already loaded (the others are not asked again). */
  fill(spec, stillWanted) {
    const { win } = this;
    const { id, tf, extra } = this.hooks.query();
    this.enqueue(async (stale) => {
      if (win.length === 0) return;
      const until = win.lastTime + 1;
      let after = win.firstTime;
      for (;;) {
        const chunk = await getCandles(id, tf, { after, until, limit: FILL_ROWS, indicators: [spec], extra });
        if (stale() || !stillWanted()) return;
        win.setColumns(chunk);
        if (chunk.time.length < FILL_ROWS) break;
        after = chunk.time[chunk.time.length - 1] + 1;
      }
      this.view.render(win, 0, true);
    });
  }
}
