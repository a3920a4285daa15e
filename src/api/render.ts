// Turning a QueryResult into bytes: the JSON envelope with subformats 1–3, NDJSON (subformat 4, streamed in
// blocks), CSV and MT4 CSV, JSONP. Strings are built directly from the typed arrays (no object per bar);
// numbers print in their shortest round-trip form, undefined indicator values (the store's very first
// bars) as null in JSON and empty in CSV.
import { formatMt4Time, formatTime } from './time.js';
import type { CandleQuery } from './query.js';
import type { QueryResult, SelectionResult } from './execute.js';

const BASE_COLUMNS = ['symbol', 'timeframe', 'time', 'open', 'high', 'low', 'close', 'volume', 'forming'] as const;

/** The base columns, with `spread` after `forming` when the query asked for it (every select has it then). */
function baseColumns(r: QueryResult): string[] {
  return r.selections.some((s) => s.spread) ? [...BASE_COLUMNS, 'spread'] : [...BASE_COLUMNS];
}

const num = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/** The query as the envelope's `options` echo it. */
export function describeQuery(q: CandleQuery): Record<string, unknown> {
  return {
    select: q.selections.map((s) => `${s.symbol},${s.timeframe}${s.indicators.length ? `[${s.indicators.map((i) => i.key).join(':')}]` : ''}${s.skipLast ? ':skiplast' : ''}`),
    after: q.after === undefined ? null : formatTime(q.after),
    until: q.until === undefined ? null : formatTime(q.until),
    limit: q.limit,
    offset: q.offset,
    order: q.order,
    output: q.format === 'csv' ? (q.mt4 ? 'CSV/MT4' : 'CSV') : q.callback ? 'JSONP' : q.format === 'ndjson' ? 'NDJSON' : 'JSON',
    subformat: q.subformat,
  };
}

/** Indicator columns of all selects in order of first appearance, and per select its column → values. */
function indicatorColumns(r: QueryResult): { names: string[]; bySel: Map<string, Float64Array>[] } {
  const names: string[] = [];
  const seen = new Set<string>();
  const bySel = r.selections.map((s) => {
    const m = new Map<string, Float64Array>();
    for (const ind of s.indicators) for (const o of ind.outputs) {
      m.set(o.column, o.values);
      if (!seen.has(o.column)) {
        seen.add(o.column);
        names.push(o.column);
      }
    }
    return m;
  });
  return { names, bySel };
}

function recordJson(s: SelectionResult, i: number, head: string): string {
  const c = s.cols;
  const spread = s.spread ? `"spread":${num(s.spread[i])},` : '';
  let out = `${head}"time":"${formatTime(c.ts[i])}","open":${num(c.open[i])},"high":${num(c.high[i])},"low":${num(c.low[i])},"close":${num(c.close[i])},"volume":${num(c.volume[i])},"forming":${(c.flags[i] & 1) !== 0},${spread}"indicators":{`;
  let first = true;
  for (const ind of s.indicators) {
    out += `${first ? '' : ','}"${ind.spec.key}":`;
    first = false;
    if (ind.outputs.length === 1) out += num(ind.outputs[0].values[i]);
    else {
      out += '{';
      for (let o = 0; o < ind.outputs.length; o++) out += `${o === 0 ? '' : ','}"${ind.outputs[o].name}":${num(ind.outputs[o].values[i])}`;
      out += '}';
    }
  }
  return `${out}}}`;
}

function heads(r: QueryResult): string[] {
  return r.selections.map((s) => `{"symbol":${JSON.stringify(s.symbol)},"timeframe":${JSON.stringify(s.timeframe)},`);
}

/** The `result` of the JSON envelope for subformats 1–3. */
function resultJson(r: QueryResult, subformat: 1 | 2 | 3): string {
  const { selOf, rowOf, count } = r;
  if (subformat === 1) {
    const hs = heads(r);
    let out = '[';
    for (let k = 0; k < count; k++) out += (k === 0 ? '' : ',') + recordJson(r.selections[selOf[k]], rowOf[k], hs[selOf[k]]);
    return `${out}]`;
  }
  const { names, bySel } = indicatorColumns(r);
  const columns = [...baseColumns(r), ...names];
  const symbols = r.selections.map((s) => JSON.stringify(s.symbol));
  const tfs = r.selections.map((s) => JSON.stringify(s.timeframe));
  const cell = (k: number, col: string): string => {
    const s = r.selections[selOf[k]];
    const i = rowOf[k];
    switch (col) {
      case 'symbol': return symbols[selOf[k]];
      case 'timeframe': return tfs[selOf[k]];
      case 'time': return String(s.cols.ts[i]);
      case 'open': return num(s.cols.open[i]);
      case 'high': return num(s.cols.high[i]);
      case 'low': return num(s.cols.low[i]);
      case 'close': return num(s.cols.close[i]);
      case 'volume': return num(s.cols.volume[i]);
      case 'forming': return (s.cols.flags[i] & 1) !== 0 ? 'true' : 'false';
      case 'spread': return s.spread ? num(s.spread[i]) : 'null';
      default: {
        const v = bySel[selOf[k]].get(col);
        return v === undefined ? 'null' : num(v[i]);
      }
    }
  };
  if (subformat === 2) {
    const rows: string[] = new Array(count);
    for (let k = 0; k < count; k++) rows[k] = `[${columns.map((c) => cell(k, c)).join(',')}]`;
    return `{"columns":${JSON.stringify(columns)},"values":[${rows.join(',')}]}`;
  }
  const arrays = columns.map((c) => {
    const vals: string[] = new Array(count);
    for (let k = 0; k < count; k++) vals[k] = cell(k, c);
    return `${JSON.stringify(c)}:[${vals.join(',')}]`;
  });
  return `{${arrays.join(',')}}`;
}

export function renderJson(q: CandleQuery, r: QueryResult, startedAt: number): string {
  const result = resultJson(r, q.subformat === 4 ? 1 : q.subformat);
  const options = { ...describeQuery(q), count: r.count, wall: Number(((performance.now() - startedAt) / 1000).toFixed(6)) };
  return `{"status":"ok","options":${JSON.stringify(options)},"result":${result}}`;
}

/** NDJSON: one subformat-1 record per line, in blocks of rows so a big answer streams. */
export function* renderNdjson(r: QueryResult, blockRows = 2000): Generator<string> {
  const hs = heads(r);
  for (let start = 0; start < r.count; start += blockRows) {
    let block = '';
    const end = Math.min(r.count, start + blockRows);
    for (let k = start; k < end; k++) block += `${recordJson(r.selections[r.selOf[k]], r.rowOf[k], hs[r.selOf[k]])}\n`;
    yield block;
  }
}

/** CSV with a header line; prices with the store's decimals, volume and indicators shortest round-trip. */
export function* renderCsv(q: CandleQuery, r: QueryResult, blockRows = 5000): Generator<string> {
  if (q.mt4) {
    // MetaTrader 4 history import: DATE,TIME,OPEN,HIGH,LOW,CLOSE,VOLUME, no header.
    for (let start = 0; start < r.count; start += blockRows) {
      let block = '';
      for (let k = start; k < Math.min(r.count, start + blockRows); k++) {
        const s = r.selections[r.selOf[k]];
        const i = r.rowOf[k];
        const d = s.decimals;
        block += `${formatMt4Time(s.cols.ts[i])},${s.cols.open[i].toFixed(d)},${s.cols.high[i].toFixed(d)},${s.cols.low[i].toFixed(d)},${s.cols.close[i].toFixed(d)},${s.cols.volume[i]}\n`;
      }
      yield block;
    }
    return;
  }
  const { names, bySel } = indicatorColumns(r);
  yield `${[...baseColumns(r), ...names].join(',')}\n`;
  for (let start = 0; start < r.count; start += blockRows) {
    let block = '';
    for (let k = start; k < Math.min(r.count, start + blockRows); k++) {
      const sel = r.selOf[k];
      const s = r.selections[sel];
      const i = r.rowOf[k];
      const d = s.decimals;
      let line = `${s.symbol},${s.timeframe},${formatTime(s.cols.ts[i])},${s.cols.open[i].toFixed(d)},${s.cols.high[i].toFixed(d)},${s.cols.low[i].toFixed(d)},${s.cols.close[i].toFixed(d)},${s.cols.volume[i]},${(s.cols.flags[i] & 1) !== 0}`;
      if (s.spread) line += `,${s.spread[i].toFixed(s.spreadDecimals ?? d)}`;
      for (const name of names) {
        const v = bySel[sel].get(name);
        line += `,${v === undefined || !Number.isFinite(v[i]) ? '' : v[i]}`;
      }
      block += `${line}\n`;
    }
    yield block;
  }
}
