// The chart page's controller: reads the state from the URL, fills the pickers from /v1/symbols and the
// indicator list from /v1/indicators, has the Loader (loader.js) fetch bars into the BarWindow that the
// ChartView draws, keeps the status line, legend and export panel current, and writes the state back to
// the URL (history entries for symbol, timeframe and indicator changes; the visible range in place).
import { getIndicators, getSymbols, isoTime } from './api.js';
import { takeTokenFromUrl } from './auth.js';
import { BarWindow } from './barWindow.js';
import { ChartView } from './chart.js';
import { renderExport, wireCopyButtons, wireTokenDownloads, nextBarTime } from './exportPanel.js';
import { IndicatorPanel } from './indicatorPanel.js';
import { indicatorKey, outputColumn } from './indicatorStyle.js';
import { Loader } from './loader.js';
import { readState, specText, writeState } from './state.js';
import { initTheme, themeColors } from './theme.js';

const DEFAULT_POLL_S = 5;

const $ = (id) => document.getElementById(id);
const dom = {
  symbol: $('symbol'), timeframe: $('timeframe'), side: $('side'), spread: $('spread'), sideControls: $('side-controls'), chart: $('chart'), legend: $('legend'), status: $('status'),
  message: $('message'), exportPanel: $('export-panel'), theme: $('theme-toggle'),
};

const win = new BarWindow();
let symbols = [];
let catalog = new Map();
let view;
let panel;
/**
 * The page state: symbol id, timeframe, side (bid, ask or mid) and spread pane (symbols with both sides
 * only), visible range (when positioned), indicators shown.
 */
const state = { symbol: undefined, tf: undefined, side: 'bid', spread: false, from: undefined, to: undefined, indicators: [], poll: undefined };
/** The view was placed by the user or by the URL (then its range is part of the state). */
let positioned = false;
let nextColor = 0;
let loader;

function say(text, kind = 'info') {
  dom.message.textContent = text;
  dom.message.dataset.kind = kind;
}

const currentSymbol = () => symbols.find((s) => s.id === state.symbol);
const specs = () => state.indicators.map(specText);
/** The symbol keeps ASK beside BID (`sides: [BID, ASK]`): side=ask|mid and spread can be asked. */
const hasBothSides = () => (currentSymbol()?.sides ?? []).includes('ASK');
/** The API parameters of the side shown (none for plain BID, so those requests stay what they were). */
const sideParams = () => ({ ...(state.side !== 'bid' ? { side: state.side } : {}), ...(state.spread ? { spread: 'true' } : {}) });
/** Mid prices carry one decimal more than the store (store/sides.ts). */
const priceDecimals = () => (currentSymbol()?.decimals ?? 5) + (state.side === 'mid' ? 1 : 0);
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

/** Load the window of the current symbol and timeframe (the state's range when it has one). */
function reload(opts = {}) {
  say('Loading…');
  loader.reload({ from: state.from, to: state.to, ...opts });
}

/** After a load: the first one of a window also settles the message and the URL. */
function loaded(first) {
  if (first) {
    if (win.length === 0) say(`No ${state.tf} bars for ${currentSymbol()?.symbol ?? state.symbol} in the store.`);
    else if (dom.message.dataset.kind !== 'warning') say('');
    syncUrl(false);
    loader.checkEdges();
  }
  showStatus();
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
  loader.fill(specText(ind), () => state.indicators.includes(ind));
  say(`Added ${ind.label}.`);
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
  dom.chart.setAttribute('aria-label', `Candlestick chart of ${s?.symbol ?? state.symbol} ${state.tf ?? ''}${sideLabel()}`);
}

const sideLabel = () => (state.side === 'bid' ? '' : ` ${state.side === 'ask' ? 'ASK' : 'mid'}`);

/**
 * The side picker and spread toggle show only for a symbol with both sides; on another the state falls back
 * to BID without the spread. Sets the chart's decimals and spread pane to match.
 */
function applySides() {
  const both = hasBothSides();
  dom.sideControls.hidden = !both;
  if (!both) {
    state.side = 'bid';
    state.spread = false;
  }
  dom.side.value = state.side;
  dom.spread.checked = state.spread;
  view.setDecimals(priceDecimals());
  view.setSpread(state.spread, currentSymbol()?.decimals ?? 5);
  chartLabel();
}

/** Another side or the spread pane: the same bars (kept where the view was), asked again with the new parameters. */
function onSideChange() {
  const keep = positioned ? visibleTimes() : null;
  state.side = dom.side.value;
  state.spread = dom.spread.checked;
  applySides();
  state.from = state.to = undefined;
  if (keep) reload({ from: keep.from, to: keep.to });
  else reload();
  syncUrl(true);
}

/** Take a state (from the URL at start or on back/forward) and load it. */
function applyState(next) {
  if (!symbols.some((s) => s.id === next.symbol)) next.symbol = symbols[0]?.id;
  state.symbol = next.symbol;
  dom.symbol.value = state.symbol ?? '';
  state.tf = next.tf;
  state.side = next.side ?? 'bid';
  state.spread = next.spread ?? false;
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
  applySides();
  reload();
  if (refused.length) setTimeout(() => say(`Left out of the URL's indicators: ${refused.join('; ')}`, 'warning'), 0);
}

function onSymbolChange() {
  state.symbol = dom.symbol.value;
  fillTimeframes();
  applySides();
  positioned = false; // another symbol opens on its latest bars
  state.from = state.to = undefined;
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
  dom.status.textContent = `${s?.symbol ?? state.symbol} ${state.tf}${sideLabel()}${state.spread ? ' with spread' : ''}: ${win.length.toLocaleString('en')} bars loaded, ${fmt(win.firstTime)} → ${fmt(win.lastTime)}${forming}${win.atEnd ? ', updating' : ''}`;
  showLegend(null);
  showExportSoon();
}

function showLegend(index) {
  const i = index === null || index < 0 || index >= win.length ? win.length - 1 : index;
  if (i < 0) {
    dom.legend.textContent = '';
    return;
  }
  const dec = priceDecimals();
  const p = (v, d = dec) => (v == null ? '—' : v.toFixed(d));
  const parts = [`${fmt(win.time[i])}`, `O ${p(win.open[i])}`, `H ${p(win.high[i])}`, `L ${p(win.low[i])}`, `C ${p(win.close[i])}`, `V ${Number(win.volume[i].toPrecision(8))}`];
  if (state.spread) parts.push(`spread ${p(win.cols.get('spread')?.[i], currentSymbol()?.decimals ?? 5)}`);
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
      id: s.id, tf: state.tf, label: `${s.symbol} ${state.tf}${sideLabel()}`, after: v.from, count: v.last - v.first + 1, indicators: specs(),
      side: state.side, spread: state.spread,
      until: v.last + 1 < win.length ? win.time[v.last + 1] : nextBarTime(state.tf, v.to),
    } : null);
  }, 150);
}

// ------------------------------------------------------------------------------------------------- start

async function start() {
  takeTokenFromUrl(); // first: the token leaves the address bar before anything else reads or shares the URL
  view = new ChartView(dom.chart, {
    onRange: () => {
      loader?.checkEdges();
      if (positioned) syncUrlSoon();
      showExportSoon();
    },
    onCrosshair: (i) => showLegend(i),
    onUserMove: () => {
      positioned = true;
    },
  });
  loader = new Loader(win, view, {
    query: () => ({ id: state.symbol, tf: state.tf, indicators: specs(), extra: sideParams() }),
    loaded,
    failed: (message) => say(message, 'error'),
    answered: () => {
      if (dom.message.dataset.kind === 'error') say(''); // the server answers again
    },
  });
  initTheme(dom.theme, () => view.applyTheme(themeColors()));
  wireCopyButtons(dom.exportPanel, say);
  wireTokenDownloads(dom.exportPanel, say);
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
  dom.side.addEventListener('change', onSideChange);
  dom.spread.addEventListener('change', onSideChange);
  addEventListener('popstate', () => applyState(readState(location.search)));
  applyState(readState(location.search));
  setInterval(() => loader.poll(), (state.poll ?? DEFAULT_POLL_S) * 1000);
  document.documentElement.dataset.ready = 'true';
}

start();
