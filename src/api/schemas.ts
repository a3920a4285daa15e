// The zod schemas of the REST form: they validate requests (through @hono/zod-openapi) and generate the
// OpenAPI 3.1 document at /openapi.json, so the two never disagree.
import { createRoute, z } from '@hono/zod-openapi';
import { commonOptionsSchema } from './query.js';

export const failureSchema = z.object({
  status: z.literal('failure'),
  exception: z.string().openapi({ example: 'unknown indicator "smaa" (GET /v1/indicators lists them)' }),
}).openapi('Failure');

const errors = {
  400: { description: 'bad request: the exception says what was wrong', content: { 'application/json': { schema: failureSchema } } },
  500: { description: 'a store cannot be read (the exception names it); other stores keep serving', content: { 'application/json': { schema: failureSchema } } },
};

const candleRecord = z.object({
  symbol: z.string().openapi({ example: 'EUR/USD' }),
  timeframe: z.string().openapi({ example: '1h' }),
  time: z.string().openapi({ description: "bar open time on the store's clock, YYYY-MM-DD HH:MM:SS", example: '2026-01-05 10:00:00' }),
  open: z.number(), high: z.number(), low: z.number(), close: z.number(), volume: z.number(),
  forming: z.boolean().openapi({ description: 'the bar is still open (its values change until it closes)' }),
  spread: z.number().optional().openapi({ description: 'with `spread`: ask close − bid close of the bar', example: 0.00002 }),
  indicators: z.record(z.string(), z.union([z.number().nullable(), z.record(z.string(), z.number().nullable())]))
    .openapi({ description: 'by indicator key (`sma_20`); multi-output indicators as an object of outputs', example: { sma_20: 1.0851, macd_12_26_9: { macd: 0.0004, signal: 0.0003, hist: 0.0001 } } }),
}).openapi('Candle');

export const candlesEnvelope = z.object({
  status: z.literal('ok'),
  options: z.object({ count: z.number().int(), wall: z.number().openapi({ description: 'seconds spent answering' }) }).passthrough(),
  result: z.union([
    z.array(candleRecord).openapi({ description: 'subformat 1' }),
    z.object({ columns: z.array(z.string()), values: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))) }).openapi({ description: 'subformat 2: time as epoch ms' }),
    z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))).openapi({ description: 'subformat 3: one array per column, indicator outputs as `macd_12_26_9__hist`' }),
  ]),
}).openapi('Candles');

const symbolParam = z.string().openapi({ param: { name: 'symbol', in: 'path' }, description: 'symbol with `/` written as `-`', example: 'EUR-USD' });
const tfParam = z.string().openapi({ param: { name: 'tf', in: 'path' }, description: 'timeframe: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1W, 1M, 1Y or any configured', example: '1h' });
const flag = z.enum(['true', 'false', '1', '0']).optional();

export const candlesQuerySchema = commonOptionsSchema.extend({
  after: z.string().optional().openapi({ description: "first bar time, inclusive, on the store's clock: 2025.11.22,13:59:59 | 2025-11-22+13:59:59 | ISO 8601 | epoch ms", example: '2026-01-05T00:00:00Z' }),
  until: z.string().optional().openapi({ description: 'end time, exclusive (same forms)', example: '2026-01-06' }),
  indicators: z.string().max(1000).optional().openapi({ description: 'comma-separated: sma(20),rsi(14),macd(12,26,9) or sma_20,rsi_14; warmed up on bars before `after`', example: 'sma(20),rsi(14)' }),
  format: z.enum(['json', 'csv', 'ndjson']).optional().openapi({ description: 'json (default), csv, or ndjson (streamed records)' }),
  mt4: flag.openapi({ description: 'CSV in MetaTrader 4 history form (DATE,TIME,OPEN,HIGH,LOW,CLOSE,VOLUME, no header)' }),
  skiplast: flag.openapi({ description: 'leave out the last bar when it is still forming' }),
});

export const candlesRoute = createRoute({
  method: 'get',
  path: '/v1/candles/{symbol}/{tf}',
  summary: 'Candles of one symbol and timeframe, with indicators',
  description: 'Bars with `after` ≤ time < `until`, ordered, offset and limited; indicators are computed with exact warm-up (bars before the first row are read but not returned).',
  request: { params: z.object({ symbol: symbolParam, tf: tfParam }), query: candlesQuerySchema },
  responses: {
    200: {
      description: 'candles',
      content: {
        'application/json': { schema: candlesEnvelope },
        'text/csv': { schema: z.string().openapi({ example: 'symbol,timeframe,time,open,high,low,close,volume,forming\nEUR/USD,1h,2026-01-05 10:00:00,1.08512,1.08530,1.08505,1.08521,123.45,false\n' }) },
        'application/x-ndjson': { schema: z.string() },
      },
    },
    ...errors,
  },
});

const timeframeInfo = z.object({ timeframe: z.string(), rows: z.number().int(), first: z.number().nullable().openapi({ description: 'first bar, epoch ms' }), last: z.number().nullable() });
const symbolInfo = z.object({ symbol: z.string().openapi({ example: 'EUR/USD' }), id: z.string().openapi({ example: 'EUR-USD' }), decimals: z.number().int(), sides: z.array(z.enum(['BID', 'ASK'])).openapi({ description: 'sides kept: ASK too with `sides: [BID, ASK]` (needed by side=ask|mid and spread)', example: ['BID', 'ASK'] }), timeframes: z.array(timeframeInfo) }).openapi('Symbol');

export const symbolsRoute = createRoute({
  method: 'get',
  path: '/v1/symbols',
  summary: 'Symbols in the store with their timeframes, first/last bar, rows and decimals',
  responses: { 200: { description: 'symbols', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), result: z.array(symbolInfo) }) } } }, ...errors },
});

const paramInfo = z.object({ name: z.string(), description: z.string(), default: z.number(), min: z.number(), max: z.number(), integer: z.boolean() });
export const indicatorInfo = z.object({
  name: z.string().openapi({ example: 'macd' }),
  title: z.string(),
  description: z.string(),
  params: z.array(paramInfo),
  outputs: z.array(z.string()),
  overlay: z.boolean().openapi({ description: 'drawn over prices (true) or in its own pane' }),
  warmup: z.string().openapi({ description: 'bars read before the first row, as a function of the params' }),
  warmup_default: z.number().nullable().openapi({ description: 'warm-up of the default params on 1m bars; null = the whole history' }),
}).openapi('Indicator');

export const indicatorsRoute = createRoute({
  method: 'get',
  path: '/v1/indicators',
  summary: 'Indicators: params with defaults and bounds, outputs, warm-up',
  responses: { 200: { description: 'indicators', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), result: z.array(indicatorInfo) }) } } } },
});

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness',
  responses: { 200: { description: 'serving', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});
