// The one parsed query both URL forms produce (path form `/ohlcv/1.1/select/…`, REST `/v1/candles/…`),
// and the option checks they share. Everything here is validated: execute.ts never sees a bad value.
import { z } from '@hono/zod-openapi';
import { ApiError } from '../errors.js';
import { IndicatorSpecError, parseIndicatorSpec, type IndicatorSpec } from '../indicators/spec.js';
import { TIMEFRAME_NAME } from '../timeframes/rules.js';
import type { ReadSide } from '../store/sides.js';

export const DEFAULT_LIMIT = 1440;
export const MAX_LIMIT = 100_000;
/** Rows skipped by `offset` are read (several selects are merged before skipping): keep that bounded. */
export const MAX_OFFSET = 1_000_000;

export interface Selection {
  /** Symbol as in URLs and file names: `EUR-USD` (`/` written as `-`). */
  symbol: string;
  timeframe: string;
  indicators: IndicatorSpec[];
  /** Leave out the last bar when it is still forming. */
  skipLast: boolean;
}

export type OutputFormat = 'json' | 'csv' | 'ndjson';

export interface CandleQuery {
  selections: Selection[];
  /** Inclusive lower bound (store clock ms); undefined = from the first bar. */
  after: number | undefined;
  /** Exclusive upper bound; undefined = to the last bar. */
  until: number | undefined;
  limit: number;
  offset: number;
  order: 'asc' | 'desc';
  format: OutputFormat;
  /** JSON shapes: 1 records, 2 columns + values, 3 column arrays, 4 NDJSON (format ndjson). */
  subformat: 1 | 2 | 3 | 4;
  /** CSV in MetaTrader 4 history form. */
  mt4: boolean;
  /** JSONP: wrap the JSON body in a call to this function. */
  callback: string | undefined;
  /** CSV: send as an attachment with this file name. */
  filename: string | undefined;
  /** `side=`: bid (default), ask, or mid of both (store/sides.ts). */
  side: ReadSide;
  /** `spread`: a spread column (ask close − bid close). */
  spread: boolean;
}

const SYMBOL_ID = /^[A-Z0-9]+(?:\.[A-Z0-9]+)*(?:-[A-Z0-9]+(?:\.[A-Z0-9]+)*)?$/;
const CALLBACK = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;
const FILENAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkSymbol(text: string): string {
  if (!SYMBOL_ID.test(text) || text.length > 31) {
    throw new ApiError(400, 'BAD_QUERY', `bad symbol ${JSON.stringify(text)}: write it as in file names, e.g. EUR-USD for EUR/USD`);
  }
  return text;
}

export function checkTimeframe(text: string): string {
  if (!TIMEFRAME_NAME.test(text)) throw new ApiError(400, 'BAD_QUERY', `bad timeframe ${JSON.stringify(text)} (e.g. 1m, 5m, 1h, 1d, 1W)`);
  return text;
}

export function parseIndicatorList(items: string[]): IndicatorSpec[] {
  const out: IndicatorSpec[] = [];
  for (const item of items) {
    if (item === '') continue;
    try {
      out.push(parseIndicatorSpec(item));
    } catch (err) {
      if (err instanceof IndicatorSpecError) throw new ApiError(400, 'BAD_INDICATOR', err.message);
      throw err;
    }
  }
  if (out.length > 16) throw new ApiError(400, 'BAD_INDICATOR', `at most 16 indicators a select, got ${out.length}`);
  return out;
}

/** Split `sma(20),macd(12,26,9)` on the commas outside parentheses. */
export function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Query-string options both forms accept (the REST form adds its own); one zod schema validates them. */
export const commonOptionsSchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional().openapi({ description: `rows returned (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}); warm-up bars are not counted`, example: 1000 }),
  offset: z.coerce.number().int().min(0).max(MAX_OFFSET).optional().openapi({ description: 'rows skipped first (in the chosen order)', example: 0 }),
  order: z.enum(['asc', 'desc']).optional().openapi({ description: 'asc: oldest first (default); desc: newest first' }),
  subformat: z.coerce.number().int().min(1).max(4).optional().openapi({ description: 'JSON shape: 1 records with a nested indicators object (default), 2 columns + values (epoch ms), 3 an array per column, 4 NDJSON stream' }),
  callback: z.string().regex(CALLBACK, 'expected a JavaScript identifier path such as cb or app.onData').max(64).optional().openapi({ description: 'JSONP: wrap the JSON in a call to this function' }),
  filename: z.string().regex(FILENAME, 'expected a file name of letters, digits, dot, dash and underscore').optional().openapi({ description: 'CSV: download as an attachment with this name' }),
  side: z.enum(['bid', 'ask', 'mid'], { error: 'expected bid, ask or mid' }).optional().openapi({ description: 'prices of the BID side (default), the ASK side, or mid = (bid + ask) / 2 per price, exact at one decimal more than the store (needs `sides: [BID, ASK]`); mid pairs bars by time and leaves out a bar on one side only', example: 'mid' }),
  spread: z.enum(['true', 'false', '1', '0', '']).optional().openapi({ description: 'add a `spread` column, ask close − bid close (`spread`, `spread=true` or `1`); bars on one side only are left out', example: 'true' }),
});

/** `spread`, `spread=` (present), `spread=true|1` → true; absent, `false`, `0` → false. */
export function spreadFlag(value: string | undefined): boolean {
  return value !== undefined && value !== 'false' && value !== '0';
}
export type CommonOptions = z.infer<typeof commonOptionsSchema>;

/** The `after`/`until` pair, checked against each other. */
export function checkRange(after: number | undefined, until: number | undefined): void {
  if (after !== undefined && until !== undefined && after >= until) {
    throw new ApiError(400, 'BAD_QUERY', `after (${new Date(after).toISOString()}) must be before until (${new Date(until).toISOString()})`);
  }
}

/** The first problem of a zod result as one line: `limit: Too big: expected number to be <=100000`. */
export function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue.path.join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
