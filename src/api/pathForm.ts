// The seed project's URL language, version 1.1:
//   /ohlcv/1.1/select/SYM,TF[ind:ind…][:skiplast]/select/…/after/T/until/T/output/JSON|JSONP|CSV[/MT4]
//   /ohlcv/1.1/list/symbols/output/JSON|CSV      /ohlcv/1.1/list/indicators/output/JSON
// parsed into the same CandleQuery as the REST form. Segments arrive still percent-encoded; the app has
// already refused encoded slashes, backslashes, NUL and dot segments.
import { spreadFlag } from './query.js';
import { ApiError } from '../errors.js';
import { parseQueryTime } from './time.js';
import {
  DEFAULT_LIMIT, checkRange, checkSymbol, checkTimeframe, commonOptionsSchema, parseIndicatorList, zodMessage,
  type CandleQuery, type Selection,
} from './query.js';

export type PathRequest =
  | { kind: 'select'; query: CandleQuery }
  | { kind: 'list'; what: 'symbols' | 'indicators'; format: 'json' | 'csv'; callback: string | undefined };

const SELECT = /^([^,[\]:]+),([^,[\]:]+)(?:\[([^\]]*)\])?(:skiplast)?$/;

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError(400, 'BAD_QUERY', `bad percent-encoding in ${JSON.stringify(segment)}`);
  }
}

/** Parse the part after `/ohlcv/1.1/` plus the query string parameters. */
export function parsePathForm(rest: string, params: Record<string, string>): PathRequest {
  const segs = rest.split('/').map(decode);
  if (segs.length > 0 && segs[segs.length - 1] === '') segs.pop();
  const opts = commonOptionsSchema.safeParse(params);
  if (!opts.success) throw new ApiError(400, 'BAD_QUERY', zodMessage(opts.error));
  const o = opts.data;

  if (segs[0] === 'list') {
    const what = segs[1];
    if (what !== 'symbols' && what !== 'indicators') throw new ApiError(400, 'BAD_QUERY', `list/${what ?? ''}: expected list/symbols or list/indicators`);
    const format = parseListOutput(segs.slice(2), what);
    return { kind: 'list', what, format, callback: o.callback };
  }
  if (segs[0] !== 'select') throw new ApiError(400, 'BAD_QUERY', `expected select/… or list/… after /ohlcv/1.1/, got ${JSON.stringify(segs[0] ?? '')}`);

  const selections: Selection[] = [];
  let after: number | undefined;
  let until: number | undefined;
  let output: string | undefined;
  let mt4 = false;
  let i = 0;
  while (i < segs.length) {
    const key = segs[i];
    const value = segs[i + 1];
    if (value === undefined && key !== 'MT4') throw new ApiError(400, 'BAD_QUERY', `${key}: missing its value`);
    switch (key) {
      case 'select':
        selections.push(parseSelect(value));
        i += 2;
        break;
      case 'after':
        if (after !== undefined) throw new ApiError(400, 'BAD_QUERY', 'after given twice');
        after = parseQueryTime(value, 'after');
        i += 2;
        break;
      case 'until':
        if (until !== undefined) throw new ApiError(400, 'BAD_QUERY', 'until given twice');
        until = parseQueryTime(value, 'until');
        i += 2;
        break;
      case 'output':
        if (output !== undefined) throw new ApiError(400, 'BAD_QUERY', 'output given twice');
        output = value.toUpperCase();
        i += 2;
        if (segs[i] === 'MT4') {
          mt4 = true;
          i++;
        }
        break;
      default:
        throw new ApiError(400, 'BAD_QUERY', `unexpected path segment ${JSON.stringify(key)} (expected select, after, until or output)`);
    }
  }
  if (selections.length === 0) throw new ApiError(400, 'BAD_QUERY', 'no select/SYM,TF given');
  if (selections.length > 32) throw new ApiError(400, 'BAD_QUERY', `at most 32 selects, got ${selections.length}`);
  if (output === undefined) throw new ApiError(400, 'BAD_QUERY', 'missing output/JSON|JSONP|CSV');
  if (output !== 'JSON' && output !== 'JSONP' && output !== 'CSV') throw new ApiError(400, 'BAD_QUERY', `output ${JSON.stringify(output)}: expected JSON, JSONP or CSV`);
  if (mt4 && output !== 'CSV') throw new ApiError(400, 'BAD_QUERY', 'MT4 applies to CSV output only (output/CSV/MT4)');
  checkRange(after, until);
  const subformat = (o.subformat ?? 1) as 1 | 2 | 3 | 4;
  const callback = output === 'JSONP' ? (o.callback ?? 'callback') : o.callback;
  if (output === 'JSONP' && subformat === 4) throw new ApiError(400, 'BAD_QUERY', 'subformat 4 (NDJSON) cannot be wrapped in JSONP');
  const query: CandleQuery = {
    selections,
    after,
    until,
    limit: o.limit ?? DEFAULT_LIMIT,
    offset: o.offset ?? 0,
    order: o.order ?? 'asc',
    format: output === 'CSV' ? 'csv' : subformat === 4 ? 'ndjson' : 'json',
    subformat,
    mt4,
    callback: output === 'CSV' ? undefined : callback,
    filename: o.filename,
    side: o.side ?? 'bid',
    spread: spreadFlag(o.spread),
  };
  if (mt4 && query.spread) throw new ApiError(400, 'BAD_QUERY', 'spread adds a column, and MT4 CSV has exactly date,time,open,high,low,close,volume: leave out /MT4');
  return { kind: 'select', query };
}

function parseSelect(text: string): Selection {
  const m = SELECT.exec(text);
  if (!m) throw new ApiError(400, 'BAD_QUERY', `bad select ${JSON.stringify(text)}: expected SYM,TF[ind:ind…][:skiplast], e.g. EUR-USD,1h[sma(20):rsi(14)]`);
  return {
    symbol: checkSymbol(m[1]),
    timeframe: checkTimeframe(m[2]),
    indicators: parseIndicatorList(m[3] === undefined ? [] : m[3].split(':')),
    skipLast: m[4] !== undefined,
  };
}

function parseListOutput(segs: string[], what: string): 'json' | 'csv' {
  if (segs.length === 0) return 'json';
  if (segs[0] !== 'output' || segs.length !== 2) throw new ApiError(400, 'BAD_QUERY', `list/${what}: expected …/output/JSON or …/output/CSV`);
  const f = segs[1].toUpperCase();
  if (f === 'JSON' || f === 'JSONP') return 'json';
  if (f === 'CSV') return 'csv';
  throw new ApiError(400, 'BAD_QUERY', `output ${JSON.stringify(segs[1])}: expected JSON or CSV`);
}
