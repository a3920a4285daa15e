// The export panel: for the bars on screen, the API's CSV and MetaTrader 4 links, the JSON URL with the
// indicators shown, the same query in the path form, and the `candlestore build` commands that write the
// same bars to files. The range is [first visible bar, the bar after the last visible one): after is
// inclusive and until exclusive in both the API and build. When the server wants a token, a link cannot send
// it: the links then download through fetch with the header (auth.js) and the panel says the shown API
// URLs need the header.
import { candlesUrl, encodeQueryValue, isoTime } from './api.js';
import { currentToken, downloadWithToken } from './auth.js';

/** Most rows one API request returns (src/api/query.ts MAX_LIMIT). */
export const API_MAX_LIMIT = 100_000;

/** Open time of the bar after one opening at `ms`, for a timeframe name such as 15m, 4h, 1d, 1W, 1M, 1Y. */
export function nextBarTime(tf, ms) {
  const m = /^(\d+)([mhdWMY])$/.exec(tf);
  if (!m) return ms + 1;
  const n = Number(m[1]);
  const d = new Date(ms);
  switch (m[2]) {
    case 'm': return ms + n * 60_000;
    case 'h': return ms + n * 3_600_000;
    case 'd': return ms + n * 86_400_000;
    case 'W': return ms + n * 7 * 86_400_000;
    case 'M': return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
    default: return Date.UTC(d.getUTCFullYear() + n, 0, 1);
  }
}

const absolute = (rel) => new URL(rel, document.baseURI).href;

/** Every link and command of one visible range. */
export function exportTargets({ id, tf, after, until, count, indicators, side = 'bid', spread = false }) {
  const limit = Math.min(Math.max(count, 1), API_MAX_LIMIT);
  const base = `${id}_${tf}${side === 'bid' ? '' : `_${side}`}_${isoTime(after).replace(/[-:]/g, '').replace(/Z$/, '')}`;
  // The side shown and its spread, as the API and build take them (MetaTrader files have no spread column).
  const sideQuery = { ...(side !== 'bid' ? { side } : {}), ...(spread ? { spread: 'true' } : {}) };
  const mt4Side = side !== 'bid' ? { side } : {};
  const pathQuery = Object.entries(sideQuery).map(([k, v]) => `&${k}=${v}`).join('');
  const buildSide = `${side !== 'bid' ? ` --side ${side}` : ''}`;
  const range = { after, until, limit };
  const pathSelect = `${id},${tf}${indicators.length ? `[${indicators.join(':')}]` : ''}`;
  const pathRange = `after/${isoTime(after)}/until/${isoTime(until)}`;
  return {
    csv: absolute(candlesUrl(id, tf, { ...range, indicators, extra: { ...sideQuery, format: 'csv', filename: `${base}.csv` } })),
    mt4: absolute(candlesUrl(id, tf, { ...range, extra: { ...mt4Side, format: 'csv', mt4: 'true', filename: `${base}_mt4.csv` } })),
    json: absolute(candlesUrl(id, tf, { ...range, indicators, extra: sideQuery })),
    jsonFile: `${base}.json`,
    pathForm: absolute(`ohlcv/1.1/select/${encodeQueryValue(pathSelect).replace(/%5B/g, '[').replace(/%5D/g, ']')}/${pathRange}/output/CSV?limit=${limit}${pathQuery}`),
    pathFormMt4: absolute(`ohlcv/1.1/select/${id},${tf}/${pathRange}/output/CSV/MT4?limit=${limit}${side !== 'bid' ? `&side=${side}` : ''}`),
    build: `candlestore build --select ${id}/${tf} --after ${isoTime(after)} --until ${isoTime(until)}${buildSide}${spread ? ' --spread' : ''} --csv --output ${base}.csv`,
    buildMt4: `candlestore build --select ${id}/${tf} --after ${isoTime(after)} --until ${isoTime(until)}${buildSide} --mt4 --output-dir ${id}${side === 'bid' ? '' : `_${side}`}_mt4`,
    tooMany: count > API_MAX_LIMIT,
  };
}

/** Fill the panel's elements (looked up by data-export="name") from a visible range; null = nothing loaded. */
export function renderExport(panel, info) {
  const set = (name, fn) => panel.querySelectorAll(`[data-export="${name}"]`).forEach(fn);
  if (!info) {
    set('range', (e) => (e.textContent = 'No bars on screen.'));
    return;
  }
  const t = exportTargets(info);
  set('range', (e) => (e.textContent = `${info.label}: ${isoTime(info.after)} → ${isoTime(info.until)} (until excluded), ${info.count.toLocaleString('en')} bars${t.tooMany ? ` — more than the API's ${API_MAX_LIMIT.toLocaleString('en')} rows a request: use build` : ''}`));
  for (const name of ['csv', 'mt4', 'json']) set(name, (a) => (a.href = t[name]));
  set('json', (a) => (a.dataset.filename = t.jsonFile));
  set('auth-note', (p) => (p.hidden = currentToken() === undefined));
  for (const name of ['json', 'pathForm', 'pathFormMt4', 'build', 'buildMt4']) set(`${name}-text`, (c) => (c.textContent = t[name]));
}

/** Copy buttons: <button data-copy="build-text"> copies the text of [data-export="build-text"]. */
export function wireCopyButtons(panel, say) {
  panel.addEventListener('click', async (e) => {
    const button = e.target.closest('button[data-copy]');
    if (!button) return;
    const source = panel.querySelector(`[data-export="${button.dataset.copy}"]`);
    try {
      await navigator.clipboard.writeText(source.textContent);
      say('Copied to the clipboard.');
    } catch {
      // No clipboard (permissions, insecure context): select the text so Ctrl-C works.
      getSelection().selectAllChildren(source);
      say('Selected: press Ctrl-C to copy.');
    }
  });
}

/**
 * With a token in use, the CSV, MT4 and JSON links download through fetch with the header (saved under the
 * name the server would give: the URL's filename parameter, or data-filename); without one they stay links.
 */
export function wireTokenDownloads(panel, say) {
  panel.addEventListener('click', async (e) => {
    const a = e.target.closest('a[data-export]');
    if (!a || !['csv', 'mt4', 'json'].includes(a.dataset.export) || currentToken() === undefined) return;
    e.preventDefault();
    const filename = new URL(a.href).searchParams.get('filename') ?? a.dataset.filename ?? 'candles';
    say(`Downloading ${filename}…`);
    try {
      await downloadWithToken(a.href, filename);
      say(`Downloaded ${filename}.`);
    } catch (err) {
      say(`Download of ${filename} failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  });
}
