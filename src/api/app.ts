// The HTTP application: routes of both query forms over one CandleSource, the OpenAPI document and its docs
// page, and the error policy — 400 `{"status":"failure","exception":…}` naming what was wrong (wrapped in
// the JSONP callback when one was asked for), 404 for unknown routes, 500 naming a damaged store (logged;
// other stores keep serving), never a stack trace in a response.
import { spreadFlag } from './query.js';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError } from '../errors.js';
import { isPublicRoute, tokenMatches } from './access.js';
import { INDICATORS } from '../indicators/registry.js';
import { renderDocsPage } from './docs.js';
import { executeQuery } from './execute.js';
import { parsePathForm } from './pathForm.js';
import { registerPageRoutes } from './pageRoutes.js';
import {
  DEFAULT_LIMIT, checkRange, checkSymbol, checkTimeframe, parseIndicatorList, splitTopLevel, zodMessage, type CandleQuery,
} from './query.js';
import { renderCsv, renderJson, renderNdjson } from './render.js';
import { candlesRoute, healthRoute, indicatorsRoute, symbolsRoute } from './schemas.js';
import { parseQueryTime } from './time.js';
import type { CandleSource } from './source.js';

export interface AppOptions {
  source: CandleSource;
  /** Bearer token every data request must carry (src/api/access.ts names the exceptions); undefined = none. */
  token?: string;
  /** Access log line per request (`--verbose`). */
  accessLog?: (line: string) => void;
  /** Where server-side failures (damaged stores, internal errors) are reported. */
  errorLog: (line: string) => void;
}

type Env = { Bindings: { incoming?: { url?: string; socket?: { remoteAddress?: string } } } };

const CALLBACK = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;
const JSON_TYPE = 'application/json; charset=utf-8';

/** The failure body, wrapped in the request's JSONP callback when it has a valid one. */
function failure(c: Context, status: number, message: string): Response {
  const body = JSON.stringify({ status: 'failure', exception: message });
  const cb = c.req.query('callback');
  if (cb !== undefined && CALLBACK.test(cb) && cb.length <= 64) {
    return c.body(`${cb}(${body});`, status as 400, { 'content-type': 'application/javascript; charset=utf-8' });
  }
  return c.body(body, status as 400, { 'content-type': JSON_TYPE });
}

/** Path tricks seen in the raw request target (the URL parser would already have resolved `..`). */
function rawPathProblem(raw: string): string | undefined {
  const path = raw.split('?')[0];
  if (/%2f|%5c|%00/i.test(path)) return 'encoded slash, backslash or NUL in the path';
  if (path.includes('\\') || path.includes('\0')) return 'backslash or NUL in the path';
  for (const seg of path.split('/')) {
    let d = seg;
    try {
      d = decodeURIComponent(seg);
    } catch {
      return `bad percent-encoding in path segment ${JSON.stringify(seg)}`;
    }
    if (d === '..' || d === '.') return 'dot segment in the path';
  }
  return undefined;
}

async function respondCandles(c: Context, q: CandleQuery, source: CandleSource): Promise<Response> {
  const started = performance.now();
  const r = await executeQuery(q, source);
  if (q.format === 'csv') {
    const headers: Record<string, string> = { 'content-type': 'text/csv; charset=utf-8' };
    if (q.filename) headers['content-disposition'] = `attachment; filename="${q.filename}"`;
    return streamed(c, renderCsv(q, r), headers);
  }
  if (q.format === 'ndjson') return streamed(c, renderNdjson(r), { 'content-type': 'application/x-ndjson; charset=utf-8' });
  const body = renderJson(q, r, started);
  if (q.callback) return c.body(`${q.callback}(${body});`, 200, { 'content-type': 'application/javascript; charset=utf-8' });
  return c.body(body, 200, { 'content-type': JSON_TYPE });
}

function streamed(c: Context, parts: Generator<string>, headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  // The first block is produced before answering so a failure there is still a clean error response.
  const first = parts.next();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(encoder.encode(first.value));
      else controller.close();
    },
    pull(controller) {
      const next = parts.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
  return c.body(stream, 200, headers);
}

function indicatorList() {
  return INDICATORS.map((d) => {
    const w = d.warmup(d.params.map((p) => p.default), { barMs: 60_000 });
    return {
      name: d.name, title: d.title, description: d.description, params: d.params.map((p) => ({ ...p })), outputs: [...d.outputs],
      overlay: d.overlay, warmup: d.warmupText, warmup_default: Number.isFinite(w) ? w : null,
    };
  });
}

function isTrue(v: string | undefined): boolean {
  return v === 'true' || v === '1';
}

export function createApp(opts: AppOptions): OpenAPIHono<Env> {
  const { source } = opts;
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) return failure(c, 400, zodMessage(result.error));
    },
  });

  app.use('*', async (c, next) => {
    const started = performance.now();
    const raw = c.env?.incoming?.url ?? new URL(c.req.url).pathname;
    const problem = rawPathProblem(raw);
    if (problem) {
      c.res = failure(c, 400, problem);
    } else if (opts.token !== undefined && !isPublicRoute(c.req.method, c.req.path) && !tokenMatches(c.req.header('authorization'), opts.token)) {
      c.res = failure(c, 401, 'missing or wrong bearer token (Authorization: Bearer <http.token>)');
      c.res.headers.set('www-authenticate', 'Bearer');
    } else {
      await next();
    }
    if (opts.accessLog) {
      const ip = c.env?.incoming?.socket?.remoteAddress ?? '-';
      opts.accessLog(`${new Date().toISOString()} ${ip} ${c.req.method} ${raw} ${c.res.status} ${(performance.now() - started).toFixed(2)}ms`);
    }
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      if (err.status === 500) opts.errorLog(`candlestore serve: ${err.message}`);
      return failure(c, err.status, err.message);
    }
    opts.errorLog(`candlestore serve: internal error on ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return failure(c, 500, 'internal error (logged by the server)');
  });
  app.notFound((c) => failure(c, 404, `no route ${c.req.method} ${c.req.path} (see /docs)`));

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));
  registerPageRoutes(app); // the chart page at / (src/api/pageRoutes.ts)

  app.openapi(symbolsRoute, async (c) => c.json({ status: 'ok' as const, result: await source.listSymbols() }, 200));

  app.openapi(indicatorsRoute, (c) => c.json({ status: 'ok' as const, result: indicatorList() }, 200));

  app.openapi(candlesRoute, async (c) => {
    const { symbol, tf } = c.req.valid('param');
    const v = c.req.valid('query');
    const after = v.after === undefined ? undefined : parseQueryTime(v.after, 'after');
    const until = v.until === undefined ? undefined : parseQueryTime(v.until, 'until');
    checkRange(after, until);
    const format = v.format ?? (v.subformat === 4 ? 'ndjson' : 'json');
    const mt4 = isTrue(v.mt4);
    if (mt4 && format !== 'csv') throw new ApiError(400, 'BAD_QUERY', 'mt4 applies to format=csv only');
    if (v.callback && format !== 'json') throw new ApiError(400, 'BAD_QUERY', 'callback (JSONP) applies to format=json only');
    const q: CandleQuery = {
      selections: [{
        symbol: checkSymbol(symbol),
        timeframe: checkTimeframe(tf),
        indicators: parseIndicatorList(v.indicators === undefined ? [] : splitTopLevel(v.indicators, ',').map((s) => s.trim())),
        skipLast: isTrue(v.skiplast),
      }],
      after,
      until,
      limit: v.limit ?? DEFAULT_LIMIT,
      offset: v.offset ?? 0,
      order: v.order ?? 'asc',
      format,
      subformat: format === 'ndjson' ? 4 : ((v.subformat ?? 1) as 1 | 2 | 3 | 4),
      mt4,
      callback: v.callback,
      filename: v.filename,
      side: v.side ?? 'bid',
      spread: spreadFlag(v.spread),
    };
    if (mt4 && q.spread) throw new ApiError(400, 'BAD_QUERY', 'spread adds a column, and MT4 CSV has exactly date,time,open,high,low,close,volume: use format=csv without mt4');
    if (q.format === 'json' && q.subformat === 4) q.format = 'ndjson';
    if (q.mt4 && q.selections[0].indicators.length > 0) throw new ApiError(400, 'BAD_QUERY', 'MT4 CSV has no indicator columns; leave out indicators');
    // The route declares JSON, CSV and NDJSON bodies; the typed helpers only model c.json(), so the raw
    // Response is passed through as is.
    return respondCandles(c, q, source) as never;
  });

  // The seed project's path language (not expressible as one OpenAPI path template; documented below).
  app.get('/ohlcv/1.1/*', async (c) => {
    const rest = c.req.path.slice('/ohlcv/1.1/'.length);
    const raw = c.env?.incoming?.url;
    const rawRest = raw ? raw.split('?')[0].slice('/ohlcv/1.1/'.length) : rest;
    const req = parsePathForm(rawRest, c.req.query());
    if (req.kind === 'list') {
      if (req.what === 'indicators') {
        if (req.format === 'csv') throw new ApiError(400, 'BAD_QUERY', 'list/indicators is JSON only');
        return jsonOrJsonp(c, { status: 'ok', result: indicatorList() }, req.callback);
      }
      const symbols = await source.listSymbols();
      if (req.format === 'csv') {
        const lines = ['symbol,id,timeframe,rows,first,last,decimals'];
        for (const s of symbols) for (const t of s.timeframes) lines.push(`${s.symbol},${s.id},${t.timeframe},${t.rows},${t.first ?? ''},${t.last ?? ''},${s.decimals}`);
        return c.body(`${lines.join('\n')}\n`, 200, { 'content-type': 'text/csv; charset=utf-8' });
      }
      return jsonOrJsonp(c, { status: 'ok', result: symbols }, req.callback);
    }
    const q = req.query;
    if (q.mt4 && (q.selections.length > 1 || q.selections[0].indicators.length > 0)) {
      throw new ApiError(400, 'BAD_QUERY', 'MT4 CSV holds one symbol and timeframe without indicators');
    }
    return respondCandles(c, q, source);
  });

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/ohlcv/1.1/select/{query}',
    summary: "Path form (the seed project's URL language, version 1.1)",
    description: [
      '`/ohlcv/1.1/select/SYM,TF[ind:ind…][:skiplast]/select/…/after/T/until/T/output/JSON|JSONP|CSV[/MT4]`.',
      'Several selects are merged by time, then symbol, then timeframe. Indicators as `sma(20)` or `sma_20`, separated by `:`.',
      'T: `2025.11.22,13:59:59`, `2025-11-22+13:59:59`, ISO 8601 or epoch ms; after inclusive, until exclusive.',
      'Query parameters: limit, offset, order, callback, filename, subformat (as for /v1/candles).',
      'Also `/ohlcv/1.1/list/symbols/output/JSON|CSV` and `/ohlcv/1.1/list/indicators/output/JSON`.',
      'Example: `/ohlcv/1.1/select/EUR-USD,1h[sma(20):rsi(14)]/after/2026-01-05/until/2026-01-06/output/JSON`.',
    ].join('\n\n'),
    request: { params: z.object({ query: z.string().openapi({ param: { name: 'query', in: 'path' }, description: 'the rest of the path: SYM,TF[…]/…/output/FORMAT', example: 'EUR-USD,1h[sma(20)]/output/JSON' }) }) },
    responses: { 200: { description: 'as /v1/candles' }, 400: { description: 'bad query' } },
  });

  const documentConfig = {
    openapi: '3.1.0',
    info: {
      title: 'candlestore API',
      version: '1.0.0',
      description: 'Candles and indicators from the local candlestore, over committed records only. Times are on the store\'s clock (UTC plus the symbol\'s configured shift).',
    },
  };
  app.doc31('/openapi.json', documentConfig);
  app.get('/docs', (c) => c.html(renderDocsPage(app.getOpenAPI31Document(documentConfig))));
  return app;
}

function jsonOrJsonp(c: Context, value: unknown, callback: string | undefined): Response {
  const body = JSON.stringify(value);
  if (callback) return c.body(`${callback}(${body});`, 200, { 'content-type': 'application/javascript; charset=utf-8' });
  return c.body(body, 200, { 'content-type': JSON_TYPE });
}
