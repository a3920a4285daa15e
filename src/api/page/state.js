// The page state in the URL, so a view can be shared or bookmarked:
//   ?symbol=EUR-USD&tf=1h&side=mid&spread=1&from=2026-07-20T10:00Z&to=2026-07-21T08:00Z&ind=sma(20),bbands(20,2),rsi(14)
// `side` (bid, the default, is not written; ask or mid) and `spread` apply to symbols that keep both sides.
// `from`/`to` are the first and last visible bars (store clock, as every time in candlestore); without them
// the page shows the latest bars and follows new ones. Times are read in the forms the API accepts.
import { encodeQueryValue, isoTime } from './api.js';

/** {symbol, tf, from, to, indicators: [{name, params}], poll} from a location's query string. */
export function readState(search) {
  const p = new URLSearchParams(search);
  const time = (k) => {
    const v = p.get(k);
    if (!v) return undefined;
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(/[zZ]$/.test(v) ? v : `${v}Z`);
    return Number.isFinite(ms) ? ms : undefined;
  };
  let from = time('from');
  let to = time('to');
  if (from === undefined || to === undefined || from > to) from = to = undefined;
  const poll = Number(p.get('poll'));
  return {
    symbol: p.get('symbol') ?? undefined,
    tf: p.get('tf') ?? undefined,
    side: ['ask', 'mid'].includes(p.get('side') ?? '') ? p.get('side') : 'bid',
    spread: ['1', 'true'].includes(p.get('spread') ?? ''),
    from,
    to,
    indicators: parseIndicatorList(p.get('ind') ?? ''),
    poll: Number.isFinite(poll) && poll >= 0.5 ? poll : undefined,
  };
}

/** `sma(20),macd(12,26,9),vwap` → [{name:'sma', params:[20]}, …]; unreadable items are reported, not kept. */
export function parseIndicatorList(text) {
  const out = [];
  for (const m of text.matchAll(/([a-z][a-z0-9]*)(?:\(([^()]*)\))?/g)) {
    const params = m[2] === undefined || m[2].trim() === '' ? [] : m[2].split(',').map((s) => Number(s.trim()));
    out.push({ name: m[1], params, text: m[0] });
  }
  return out;
}

/** The query string of a state (only what differs from "latest view, no indicators" is written). */
export function writeState(state) {
  const q = [];
  const add = (k, v) => q.push(`${k}=${encodeQueryValue(String(v))}`);
  if (state.symbol) add('symbol', state.symbol);
  if (state.tf) add('tf', state.tf);
  if (state.side && state.side !== 'bid') add('side', state.side);
  if (state.spread) add('spread', 1);
  if (state.from !== undefined && state.to !== undefined) {
    add('from', isoTime(state.from));
    add('to', isoTime(state.to));
  }
  if (state.indicators.length) add('ind', state.indicators.map(specText).join(','));
  if (state.poll !== undefined) add('poll', state.poll);
  return `?${q.join('&')}`;
}

/** `sma(20)`: the form the API reads; an indicator without params is its bare name. */
export function specText(ind) {
  return ind.params.length ? `${ind.name}(${ind.params.join(',')})` : ind.name;
}
