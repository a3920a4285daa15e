// The `sim` HTTP server: speaks the Dukascopy candle protocol (DESIGN §3) on a local port with deterministic
// data (generator.ts) and optional, seeded fault injection, for the offline demo, tests and benchmarks.
//
// Routes (GET only; anything else 405 with `Allow: GET`; unknown paths 404; all bodies application/json):
//   /v1/candles/minute/{CODE}/BID/{Y}/{M}/{D}  a UTC day; month/day 1-based, not zero-padded, else 400.
//       A past day is complete; the current UTC day (of `now`) has only candles complete at `now`; a day
//       after `now` is a valid empty day (200, like a weekend), never an error.
//   /v1/candles/minute/{CODE}/BID              the live day (UTC day of `now`), complete candles only.
//       `?from={ms}` keeps candles starting at or after ms; a `from` before the live day means the whole
//       live day, a `from` after the last complete candle gives an empty day. A non-integer `from` is 400.
//   /v1/candles/minute/{CODE}/ASK[/{Y}/{M}/{D}]  the same for the ask side (sides.ts): the BID answer of the
//       same request plus a spread, same minutes (unless `oneSidedRate` > 0).
//   /v1/instruments/{CODE}                     the instrument document (instruments.ts).
// Every answer carries the server's clock in its `Date` header. `lagMs` sets that clock behind the given one
// (a server whose clock lags the client's, or that has not finished the day that just closed): then a day
// that has closed on the client's clock is still served partial.
// With `revise` > 0 the candles of an answer are revised as of its request time (revise.ts).
// An unknown instrument code is 404. Error bodies: {"status":404,"error":"Not Found","message":…,"path":…}.
//
// Faults (`faults` = probability per request, drawn from a PRNG seeded by `seed`, so a given request
// sequence always meets the same faults). Only requests that would be answered 200 can fault (a bad
// request stays a clean 4xx). At most `faultStreak` faults in a row per URL (path + query), so a client that
// retries that many times always gets through. Kinds:
//   '400' / '503'    that status with a JSON error body
//   '429'            429 with `Retry-After: 1` (seconds) and a JSON error body
//   'slow'           the correct 200 response, its body dribbled out over `slowMs`
//   'truncated'      200 headers announcing the full Content-Length, half the body, then the socket destroyed
//   'invalid-json'   200 whose body is the real body cut in the middle (Content-Length matches the cut body)
//   'reset'          the connection reset (TCP RST) before any byte of a response
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigError } from '../errors.js';
import { DAY_MS } from '../util/dates.js';
import { generateDayBytes, hashSeed, SplitMix32 } from './generator.js';
import { findInstrument, instrumentDocumentText, type SimInstrument } from './instruments.js';
import type { SimSide } from './sides.js';

export type FaultKind = '400' | '429' | '503' | 'slow' | 'truncated' | 'invalid-json' | 'reset';
export const FAULT_KINDS: readonly FaultKind[] = Object.freeze(['400', '429', '503', 'slow', 'truncated', 'invalid-json', 'reset']);

export interface SimOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Data seed (any safe integer); default 1. */
  seed?: number;
  /** The simulated "now": a fixed instant (ms) or a clock; default Date.now. */
  now?: number | (() => number);
  /** The server's own clock runs this many ms behind `now` (≥ 0); default 0. */
  lagMs?: number;
  /** Probability 0..1 that a request meets a fault; default 0. */
  faults?: number;
  /** Fault kinds to draw from; default all. */
  faultKinds?: readonly FaultKind[];
  /** Most consecutive faults for one URL; default 3. */
  faultStreak?: number;
  /** Duration of a 'slow' response; default 300 ms. */
  slowMs?: number;
  /**
   * Probability 0..1 per candle that an answer revises it (revise.ts): earlier minutes of the live day change
   * between requests, and a closed day differs from the last live answer. Default 0 (no revisions).
   */
  revise?: number;
  /**
   * Fraction 0..1 of trading minutes missing on one side, BID or ASK (sides.ts), so clients meet minutes
   * present on one side only. Default 0: both sides have the same minutes (the BID answer is then exactly
   * what it is without sides).
   */
  oneSidedRate?: number;
  /** Log one line per request. */
  verbose?: boolean;
  /** Where log lines go; default console.log. */
  log?: (line: string) => void;
}

export interface SimStats {
  requests: number;
  faults: Record<FaultKind, number>;
}

export interface SimServer {
  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  url: string;
  port: number;
  /** Stop listening, end open connections and pending slow responses. Idempotent. */
  close(): Promise<void>;
  /** Live counters. */
  stats: SimStats;
}

interface Reply {
  status: number;
  body: Buffer;
  headers?: Record<string, string>;
}

const CANDLES_RE = /^\/v1\/candles\/minute\/([^/]+)\/(BID|ASK)(?:\/([^/]+)\/([^/]+)\/([^/]+))?$/;
const INSTRUMENT_RE = /^\/v1\/instruments\/([^/]+)$/;
const YEAR_RE = /^\d{4}$/;
const MONTH_RE = /^(?:[1-9]|1[0-2])$/;
const DAY_RE = /^(?:[1-9]|[12]\d|3[01])$/;
const REASONS: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };

function errorReply(status: number, message: string, path: string, headers?: Record<string, string>): Reply {
  const body = Buffer.from(JSON.stringify({ status, error: REASONS[status] ?? 'Error', message, path }));
  return { status, body, headers };
}

/** Validate and fill in the options (ConfigError on bad values). */
function resolveOptions(opts: SimOptions) {
  const faults = opts.faults ?? 0;
  if (typeof faults !== 'number' || !(faults >= 0 && faults <= 1)) throw new ConfigError(`sim faults must be a probability between 0 and 1, got ${faults}`);
  const kinds = opts.faultKinds ?? FAULT_KINDS;
  if (kinds.length === 0) throw new ConfigError('sim fault kinds: empty list');
  for (const k of kinds) if (!FAULT_KINDS.includes(k)) throw new ConfigError(`sim fault kind ${JSON.stringify(k)} unknown (known: ${FAULT_KINDS.join(', ')})`);
  const revise = opts.revise ?? 0;
  if (typeof revise !== 'number' || !(revise >= 0 && revise <= 1)) throw new ConfigError(`sim revise must be a probability between 0 and 1, got ${revise}`);
  const oneSidedRate = opts.oneSidedRate ?? 0;
  if (typeof oneSidedRate !== 'number' || !(oneSidedRate >= 0 && oneSidedRate <= 1)) throw new ConfigError(`sim one-sided rate must be a fraction between 0 and 1, got ${oneSidedRate}`);
  const faultStreak = opts.faultStreak ?? 3;
  if (!(faultStreak >= 0) || (faultStreak !== Infinity && !Number.isInteger(faultStreak))) throw new ConfigError(`sim faultStreak must be a non-negative integer, got ${faultStreak}`);
  const slowMs = opts.slowMs ?? 300;
  if (!(slowMs >= 0 && slowMs < 600_000)) throw new ConfigError(`sim slowMs must be between 0 and 600000, got ${slowMs}`);
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new ConfigError(`sim seed must be an integer, got ${seed}`);
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`sim port must be 0..65535, got ${port}`);
  const now = opts.now ?? Date.now;
  if (typeof now === 'number' && !Number.isFinite(now)) throw new ConfigError(`sim now must be a finite time in ms, got ${now}`);
  const lagMs = opts.lagMs ?? 0;
  if (!(Number.isSafeInteger(lagMs) && lagMs >= 0)) throw new ConfigError(`sim lag must be a whole number of ms ≥ 0, got ${lagMs}`);
  const given = typeof now === 'number' ? () => now : now;
  const clock = lagMs === 0 ? given : () => given() - lagMs;
  return { host: opts.host ?? '127.0.0.1', port, seed, clock, revise, oneSidedRate, faults, kinds: [...kinds], faultStreak, slowMs, verbose: opts.verbose ?? false, log: opts.log ?? ((line: string) => console.log(line)) };
}

/** Start the sim server; resolves once it listens. */
export async function startSim(options: SimOptions = {}): Promise<SimServer> {
  const o = resolveOptions(options);
  const stats: SimStats = { requests: 0, faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number> };
  const faultRng = new SplitMix32(hashSeed(o.seed, 0xfa017));
  const streaks = new Map<string, number>(); // URL → current run of faults (absent = 0)
  const timers = new Set<NodeJS.Timeout>();
  const instrumentBodies = new Map<string, Buffer>();

  function route(req: IncomingMessage, path: string, query: string): Reply {
    if (req.method !== 'GET') return errorReply(405, `method ${req.method} not allowed (GET only)`, path, { Allow: 'GET' });
    let m = CANDLES_RE.exec(path);
    if (m) {
      const inst = findInstrument(m[1]);
      if (!inst) return errorReply(404, `unknown instrument ${m[1]}`, path);
      const nowMs = o.clock();
      const side = m[2] as SimSide;
      if (m[3] !== undefined) return dayReply(inst, side, m[3], m[4], m[5], nowMs, path);
      return liveReply(inst, side, query, nowMs, path);
    }
    m = INSTRUMENT_RE.exec(path);
    if (m) {
      const inst = findInstrument(m[1]);
      if (!inst) return errorReply(404, `unknown instrument ${m[1]}`, path);
      let body = instrumentBodies.get(inst.code);
      if (!body) instrumentBodies.set(inst.code, (body = Buffer.from(instrumentDocumentText(inst))));
      return { status: 200, body };
    }
    return errorReply(404, 'no such route (want /v1/candles/minute/{CODE}/BID|ASK[/{Y}/{M}/{D}] or /v1/instruments/{CODE})', path);
  }

  function dayReply(inst: SimInstrument, side: SimSide, y: string, mo: string, d: string, nowMs: number, path: string): Reply {
    if (!YEAR_RE.test(y) || !MONTH_RE.test(mo) || !DAY_RE.test(d)) {
      return errorReply(400, `bad date ${y}/${mo}/${d}: want {Y}/{M}/{D} with a 4-digit year and month, day not zero-padded`, path);
    }
    const dayMs = Date.UTC(+y, +mo - 1, +d);
    const date = new Date(dayMs);
    if (date.getUTCFullYear() !== +y || date.getUTCMonth() !== +mo - 1 || date.getUTCDate() !== +d) return errorReply(400, `no such date ${y}/${mo}/${d}`, path);
    return { status: 200, body: generateDayBytes(inst, dayMs, o.seed, { nowMs, revise: o.revise, side, oneSidedRate: o.oneSidedRate }) };
  }

  function liveReply(inst: SimInstrument, side: SimSide, query: string, nowMs: number, path: string): Reply {
    const liveDay = Math.floor(nowMs / DAY_MS) * DAY_MS;
    let fromMs = -Infinity;
    const from = new URLSearchParams(query).get('from');
    if (from !== null) {
      if (!/^-?\d{1,16}$/.test(from) || !Number.isSafeInteger(+from)) return errorReply(400, `bad from=${JSON.stringify(from)}: want epoch milliseconds`, path);
      fromMs = +from;
    }
    return { status: 200, body: generateDayBytes(inst, liveDay, o.seed, { nowMs, fromMs, revise: o.revise, side, oneSidedRate: o.oneSidedRate }) };
  }

  function drawFault(key: string): FaultKind | undefined {
    if (o.faults <= 0) return undefined;
    const hit = faultRng.next() < o.faults;
    const streak = streaks.get(key) ?? 0;
    if (!hit || streak >= o.faultStreak) {
      streaks.delete(key);
      return undefined;
    }
    streaks.set(key, streak + 1);
    return o.kinds[Math.floor(faultRng.next() * o.kinds.length)];
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    stats.requests++;
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = q < 0 ? '' : raw.slice(q + 1);
    let reply: Reply;
    // The server's clock, as a real server sends it (RFC 9110 §6.6.1); read before the answer is built.
    const date = new Date(o.clock()).toUTCString();
    try {
      reply = route(req, path, query);
    } catch (err) {
      reply = errorReply(500, `sim internal error: ${(err as Error).message}`, path);
    }
    const fault = reply.status === 200 ? drawFault(raw) : undefined;
    if (fault) stats.faults[fault]++;
    let sent = 0;
    if (o.verbose) {
      res.once('close', () => {
        const status = fault === 'reset' ? 'RST' : String(res.statusCode);
        o.log(`${req.method} ${raw} ${status} fault=${fault ?? '-'} ${sent}B ${(performance.now() - started).toFixed(1)}ms`);
      });
    }
    // Drain any request body so keep-alive works (GETs have none).
    req.resume();
    const headers = (length: number, extra?: Record<string, string>) => ({ Date: date, 'Content-Type': 'application/json', 'Content-Length': String(length), ...extra });

    switch (fault) {
      case undefined:
        sent = reply.body.length;
        res.writeHead(reply.status, headers(reply.body.length, reply.headers)).end(reply.body);
        return;
      case '400':
      case '503':
      case '429': {
        const status = +fault;
        const r = errorReply(status, `sim fault injection: ${fault}`, path, status === 429 ? { 'Retry-After': '1' } : undefined);
        sent = r.body.length;
        res.writeHead(status, headers(r.body.length, r.headers)).end(r.body);
        return;
      }
      case 'invalid-json': {
        const cut = reply.body.subarray(0, Math.max(1, reply.body.length >> 1));
        sent = cut.length;
        res.writeHead(200, headers(cut.length)).end(cut);
        return;
      }
      case 'truncated': {
        const half = reply.body.subarray(0, reply.body.length >> 1);
        sent = half.length;
        res.writeHead(200, headers(reply.body.length));
        res.write(half, () => res.destroy());
        return;
      }
      case 'reset': {
        const socket = req.socket as Socket & { resetAndDestroy?: () => void };
        if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      case 'slow': {
        const body = reply.body;
        const pieces = Math.min(10, body.length);
        res.writeHead(200, headers(body.length));
        let i = 0;
        const step = () => {
          if (res.destroyed) return;
          const end = Math.round(((i + 1) * body.length) / pieces);
          const chunk = body.subarray(Math.round((i * body.length) / pieces), end);
          sent += chunk.length;
          i++;
          if (i >= pieces) {
            res.end(chunk);
            return;
          }
          res.write(chunk);
          const t = setTimeout(() => {
            timers.delete(t);
            step();
          }, o.slowMs / pieces);
          timers.add(t);
        };
        step();
        return;
      }
    }
  }

  const server = createServer({ keepAlive: true }, handle);
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new ConfigError(`sim cannot listen on ${o.host}:${o.port}: ${err.message}`)));
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = o.host.includes(':') ? `[${o.host}]` : o.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    stats,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
