// The chart page's controller: reads the state from the URL, fills the pickers from /v1/symbols and the
// indicator list from /v1/indicators, loads bars through /v1/candles (older ones as the user scrolls left,
// newer ones as they scroll right, the still-open bar every few seconds while the window reaches the end
// of the store) and writes the state back to the URL. Requests run one at a time through a queue, and a
// request started for an earlier symbol or timeframe is ignored when it answers.
import { getCandles, getIndicators, getSymbols, isoTime } from './api.js';
import { BarWindow } from './barWindow.js';
import { ChartView } from './chart.js';
import { renderExport, wireCopyButtons, nextBarTime } from './exportPanel.js';
import { IndicatorPanel } from './indicatorPanel.js';
import { indicatorKey, outputColumn } from './indicatorStyle.js';
import { readState, specText, writeState } from './state.js';
import { initTheme, themeColors } from './theme.js';

/** Bars a request asks for when scrolling or starting. */
const PAGE = 1000;
/** Bars a bookmarked range may load at once (a chart shows at most a few thousand anyway). */
const RANGE_LIMIT = 5000;
/** Start loading more when fewer bars than this are left beyond the edge of the view. */
const EDGE = 50;
const DEFAULT_POLL_S = 5;

const $ = (id) => document.getElementById(id);
const dom = {
  symbol: $('symbol'), timeframe: $('timeframe'), chart: $('chart'), legend: $('legend'), status: $('status'),
  message: $('message'), exportPanel: $('export-panel'), theme: $('theme-toggle'),
};

const win = new BarWindow();
let symbols = [];
let catalog = new Map();
let view;
let panel;
/** The page state: symbol id, timeframe, visible range (when positioned), indicators shown. */
const state = { symbol: undefined, tf: undefined, from: undefined, to: undefined, indicators: [], poll: undefined };
/** The view was placed by the user or by the URL (then its range is part of the state). */
let positioned = false;
let generation = 0;
let queue = Promise.resolve();
let loadingEdge = false;
let edgePauseUntil = 0;
let nextColor = 0;

function say(text, kind = 'info') {
  dom.message.textContent = text;
  dom.message.dataset.kind = kind;
}

/** Run data tasks one after another; a task queued for an earlier symbol/timeframe is dropped. */
function enqueue(task) {
  const g = generation;
  const run = queue.then(async () => {
    if (g !== generation) return;
    await task(() => g !== generation);
    if (dom.message.dataset.kind === 'error') say(''); // the server answers again
  });
  queue = run.catch((err) => {
    // A failed request pauses loading at the edges, or scrolling would retry it in a loop.
    edgePauseUntil = Date.now() + 5000;
    say(err instanceof Error ? err.message : String(err), 'error');
  });
  return queue;
}

const currentSymbol = () => symbols.find((s) => s.id === state.symbol);
const specs = () => state.indicators.map(specText);
const tfMinutes = (tf) => {
  const m = /^(\d+)([mhdWMY])$/.exec(tf);
  const unit = { m: 1, h: 60, d: 1440, W: 10080, M: 43200, Y: 525600 };
  return m ? Number(m[1]) * unit[m[2]] : Infinity;
};

// ---------------------------------------------------------------------------------------------------- URL

function syncUrl(push) {
  const r = positioned ? visibleTimes() : null;
  state.from = r?.from;
  state.to = r?.to;
  const url = writeState(state);
  if (url === location.search) return;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

let urlTimer;
function syncUrlSoon() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => syncUrl(false), 250);
}

/** Times of the first and last bar on screen, or null. */
function visibleTimes() {
  const r = view.visibleLogicalRange();
  if (!r || win.length === 0) return null;
  const first = Math.min(win.length - 1, Math.max(0, Math.ceil(r.from)));
  const last = Math.min(win.length - 1, Math.max(first, Math.floor(r.to)));
  return { from: win.time[first], to: win.time[last], first, last };
}

// ------------------------------------------------------------------------------------------------ loading

/** Load the window for the current symbol and timeframe: a bookmarked range, or the latest bars. */
function reload({ endAt, bars } = {}) {
  generation++;
  win.clear();
  view.render(win);
  say('Loading…');
  const { symbol: id, tf } = state;
  const from = state.from;
  const to = state.to;
  enqueue(async (stale) => {
    let chunk;
    if (from !== undefined && to !== undefined) {
      chunk = await getCandles(id, tf, { after: from, until: to + 1, limit: RANGE_LIMIT, indicators: specs() });
      if (stale()) return;
      if (chunk.time.length > 0) {
        win.replaceFrom(chunk);
        view.render(win);
        view.showBars(0, win.length - 1);
        done();
        return;
      }
    }
    // The latest bars, or those ending at a time (a timeframe switch keeps the right edge where it was).
    const until = endAt === undefined ? undefined : endAt + 1;
    chunk = await getCandles(id, tf, { until, order: 'desc', limit: PAGE, indicators: specs() });
    if (stale()) return;
    win.replaceFrom(chunk);
    win.atStart = chunk.time.length < PAGE;
    win.atEnd = until === undefined;
    view.render(win);
    if (bars && win.length) view.showBars(Math.max(0, win.length - bars), win.length - 1);
    else view.showLatest();
    done();
  });
  function done() {
    if (win.length === 0) say(`No ${tf} bars for ${currentSymbol()?.symbol ?? id} in the store.`);
    else if (dom.message.dataset.kind !== 'warning') say('');
    showStatus();
    syncUrl(false);
    checkEdges();
  }
}

/** Near the left edge: older bars; near the right one: newer bars (until the store's end). */
function checkEdges() {
  if (loadingEdge || win.length === 0 || Date.now() < edgePauseUntil) return;
  const r = view.visibleLogicalRange();
  if (!r) return;
  if (r.from < EDGE && !win.atStart) loadOlder();
  else if (r.to > win.length - EDGE && !win.atEnd) loadNewer();
}

function loadOlder() {
  loadingEdge = true;
  const { symbol: id, tf } = state;
  enqueue(async (stale) => {
    const chunk = await getCandles(id, tf, { until: win.firstTime, order: 'desc', limit: PAGE, indicators: specs() });
    if (stale()) return;
    if (chunk.time.length < PAGE) win.atStart = true;
    const added = win.prepend(chunk);
    if (added) view.render(win, added);
    showStatus();
  }).finally(() => {
    loadingEdge = false;
    checkEdges();
  });
}

function loadNewer() {
  loadingEdge = true;
  const { symbol: id, tf } = state;
  enqueue(async (stale) => {
    const chunk = await getCandles(id, tf, { after: win.lastTime + 1, limit: PAGE, indicators: specs() });
    if (stale()) return;
    if (chunk.time.length < PAGE) win.atEnd = true;
    win.replaceFrom(chunk);
    // Not renderTail: update() would scroll the view along with the new bars, away from what the user looks at.
    view.render(win, 0, true);
    showStatus();
  }).finally(() => {
    loadingEdge = false;
    checkEdges();
  });
}

/** The still-open last bar and any new ones, while the window reaches the end of the store. */
function poll() {
  if (document.hidden || !win.atEnd || win.length === 0 || loadingEdge) return;
  const { symbol: id, tf } = state;
  enqueue(async (stale) => {
    const chunk = await getCandles(id, tf, { after: win.lastTime, limit: PAGE, indicators: specs() });
    if (stale() || chunk.time.length === 0) return;
    if (chunk.time.length === PAGE) win.atEnd = false; // a long pause: the rest comes as the user scrolls
    const at = win.replaceFrom(chunk);
    view.renderTail(win, at);
    showStatus();
  });
}

// ------------------------------------------------------------------------------------------- indicators

/** Validate an indicator against the catalog: {name, params} with defaults filled, or an error text. */
function checkIndicator(name, params) {
  const def = catalog.get(name);
  if (!def) return `unknown indicator ${name}`;
  if (params.length > def.params.length) return `${name} takes ${def.params.length} parameters`;
  const full = def.params.map((p, i) => (i < params.length ? params[i] : p.default));
  for (const [i, p] of def.params.entries()) {
    const v = full[i];
    if (!Number.isFinite(v) || v < p.min || v > p.max || (p.integer && !Number.isInteger(v))) {
      return `${name}: ${p.name} must be ${p.integer ? 'a whole number ' : ''}from ${p.min} to ${p.max}`;
    }
  }
  return { def, params: full };
}

function makeIndicator(def, params, colorIndex = nextColor++) {
  const id = indicatorKey(def.name, params);
  return { id, def, name: def.name, params, colorIndex, label: params.length ? `${def.name}(${params.join(', ')})` : def.name };
}

function addIndicator(name, params, at = state.indicators.length, colorIndex = undefined) {
  const checked = checkIndicator(name, params);
  if (typeof checked === 'string') return say(checked, 'warning');
  const ind = makeIndicator(checked.def, checked.params, colorIndex);
  if (state.indicators.some((i) => i.id === ind.id)) return say(`${ind.label} is already shown.`);
  state.indicators.splice(at, 0, ind);
  view.addIndicator(ind);
  panel.renderActive(state.indicators);
  syncUrl(true);
  fillIndicator(ind);
  say(`Added ${ind.label}.`);
}

/** Fetch one indicator's values over the bars already loaded (the others are not asked again). */
function fillIndicator(ind) {
  const { symbol: id, tf } = state;
  enqueue(async (stale) => {
    if (win.length === 0) return;
    const until = win.lastTime + 1;
    let after = win.firstTime;
    for (;;) {
      const chunk = await getCandles(id, tf, { after, until, limit: 20_000, indicators: [specText(ind)] });
      if (stale() || !state.indicators.includes(ind)) return;
      win.setColumns(chunk);
      if (chunk.time.length < 20_000) break;
      after = chunk.time[chunk.time.length - 1] + 1;
    }
    view.render(win);
  });
}

function removeIndicator(id) {
  const at = state.indicators.findIndex((i) => i.id === id);
  if (at < 0) return;
  const [ind] = state.indicators.splice(at, 1);
  view.removeIndicator(id);
  win.dropColumns(ind.def.outputs.map((o) => outputColumn(ind.def, ind.params, o)));
  panel.renderActive(state.indicators);
  syncUrl(true);
  say(`Removed ${ind.label}.`);
  return { at, ind };
}

function changeIndicator(id, params) {
  const old = state.indicators.find((i) => i.id === id);
  if (!old) return;
  const checked = checkIndicator(old.name, params);
  if (typeof checked === 'string') return say(checked, 'warning');
  if (indicatorKey(old.name, checked.params) === id) return;
  const { at } = removeIndicator(id);
  addIndicator(old.name, checked.params, at, old.colorIndex);
}

// ------------------------------------------------------------------------------------- pickers and state

function fillTimeframes() {
  const s = currentSymbol();
  const tfs = (s?.timeframes ?? []).filter((t) => t.rows > 0).map((t) => t.timeframe).sort((a, b) => tfMinutes(a) - tfMinutes(b));
  dom.timeframe.replaceChildren(...tfs.map((tf) => new Option(tf, tf)));
  if (!tfs.includes(state.tf)) state.tf = tfs.includes('1h') ? '1h' : tfs[0];
  dom.timeframe.value = state.tf ?? '';
  chartLabel();
}

function chartLabel() {
  const s = currentSymbol();
  dom.chart.setAttribute('aria-label', `Candlestick chart of ${s?.symbol ?? state.symbol} ${state.tf ?? ''}`);
}

/** Take a state (from the URL at start or on back/forward) and load it. */
function applyState(next) {
  if (!symbols.some((s) => s.id === next.symbol)) next.symbol = symbols[0]?.id;
  state.symbol = next.symbol;
  dom.symbol.value = state.symbol ?? '';
  state.tf = next.tf;
  fillTimeframes();
  state.from = next.from;
  state.to = next.to;
  state.poll = next.poll;
  positioned = next.from !== undefined;
  view.resetIndicators();
  state.indicators = [];
  nextColor = 0; // the same URL gets the same colours
  const refused = [];
  for (const item of next.indicators) {
    const checked = checkIndicator(item.name, item.params);
    if (typeof checked === 'string') {
      refused.push(`${item.text} (${checked})`);
      continue;
    }
    const ind = makeIndicator(checked.def, checked.params);
    if (state.indicators.some((i) => i.id === ind.id)) continue;
    state.indicators.push(ind);
    view.addIndicator(ind);
  }
  panel.renderActive(state.indicators);
  view.setDecimals(currentSymbol()?.decimals ?? 5);
  reload();
  if (refused.length) setTimeout(() => say(`Left out of the URL's indicators: ${refused.join('; ')}`, 'warning'), 0);
}

function onSymbolChange() {
  state.symbol = dom.symbol.value;
  fillTimeframes();
  view.setDecimals(currentSymbol()?.decimals ?? 5);
  positioned = false;
  reload();
  syncUrl(true);
}

function onTimeframeChange() {
  const keep = positioned ? visibleTimes() : null;
  const before = state.tf;
  state.tf = dom.timeframe.value;
  chartLabel();
  state.from = state.to = undefined;
  // The new view ends where the old one did (at the end of its last bar) with as many bars.
  if (keep) reload({ endAt: nextBarTime(before, keep.to) - 1, bars: keep.last - keep.first + 1 });
  else reload();
  syncUrl(true);
}

// ---------------------------------------------------------------------------------- status, legend, export

function fmt(ms) {
  return isoTime(ms).replace('T', ' ').replace('Z', '');
}

function showStatus() {
  const s = currentSymbol();
  const d = dom.chart.dataset;
  d.bars = String(win.length);
  d.first = win.length ? String(win.firstTime) : '';
  d.last = win.length ? String(win.lastTime) : '';
  d.lastClose = win.length ? String(win.close[win.length - 1]) : '';
  if (!win.length) {
    dom.status.textContent = '';
    return;
  }
  const forming = win.forming[win.length - 1] ? ' (still open)' : '';
  dom.status.textContent = `${s?.symbol ?? state.symbol} ${state.tf}: ${win.length.toLocaleString('en')} bars loaded, ${fmt(win.firstTime)} → ${fmt(win.lastTime)}${forming}${win.atEnd ? ', updating' : ''}`;
  showLegend(null);
  showExportSoon();
}

function showLegend(index) {
  const i = index === null || index < 0 || index >= win.length ? win.length - 1 : index;
  if (i < 0) {
    dom.legend.textContent = '';
    return;
  }
  const dec = currentSymbol()?.decimals ?? 5;
  const p = (v) => (v == null ? '—' : v.toFixed(dec));
  const parts = [`${fmt(win.time[i])}`, `O ${p(win.open[i])}`, `H ${p(win.high[i])}`, `L ${p(win.low[i])}`, `C ${p(win.close[i])}`, `V ${Number(win.volume[i].toPrecision(8))}`];
  for (const ind of state.indicators) {
    const values = ind.def.outputs.filter((o) => o !== 'direction').map((o) => win.cols.get(outputColumn(ind.def, ind.params, o))?.[i]);
    parts.push(`${ind.label} ${values.map((v) => (v == null ? '—' : Number(v.toPrecision(6)))).join(' / ')}`);
  }
  dom.legend.textContent = parts.join('  ');
}

let exportTimer;
function showExportSoon() {
  clearTimeout(exportTimer);
  exportTimer = setTimeout(() => {
    const v = visibleTimes();
    const s = currentSymbol();
    renderExport(dom.exportPanel, v && s ? {
      id: s.id, tf: state.tf, label: `${s.symbol} ${state.tf}`, after: v.from, count: v.last - v.first + 1, indicators: specs(),
      until: v.last + 1 < win.length ? win.time[v.last + 1] : nextBarTime(state.tf, v.to),
    } : null);
  }, 150);
}

// ------------------------------------------------------------------------------------------------- start

async function start() {
  view = new ChartView(dom.chart, {
    onRange: () => {
      checkEdges();
      if (positioned) syncUrlSoon();
      showExportSoon();
    },
    onCrosshair: (i) => showLegend(i),
    onUserMove: () => {
      positioned = true;
    },
  });
  initTheme(dom.theme, () => view.applyTheme(themeColors()));
  wireCopyButtons(dom.exportPanel, say);
  let list;
  try {
    [symbols, list] = await Promise.all([getSymbols(), getIndicators()]);
  } catch (err) {
    say(`The API did not answer: ${err.message}`, 'error');
    return;
  }
  catalog = new Map(list.map((d) => [d.name, d]));
  panel = new IndicatorPanel(
    { form: $('add-indicator'), select: $('indicator-name'), params: $('indicator-params'), list: $('active-indicators') },
    list,
    { onAdd: (name, params) => addIndicator(name, params), onRemove: (id) => removeIndicator(id), onChange: changeIndicator },
  );
  if (symbols.length === 0) {
    say('The store has no symbols yet: run `candlestore run` (or `candlestore demo`) for this root, then reload.', 'error');
    return;
  }
  dom.symbol.replaceChildren(...symbols.map((s) => new Option(s.symbol, s.id)));
  dom.symbol.addEventListener('change', onSymbolChange);
  dom.timeframe.addEventListener('change', onTimeframeChange);
  addEventListener('popstate', () => applyState(readState(location.search)));
  applyState(readState(location.search));
  setInterval(poll, (state.poll ?? DEFAULT_POLL_S) * 1000);
  document.documentElement.dataset.ready = 'true';
}

start();
