// The HTTP side of the Download stage: one undici Agent with keep-alive connections (as many as download
// workers), a total per-request deadline (headers + body), the global token bucket before every attempt, and
// retries with exponential backoff + full jitter (DESIGN §3). What is retried: network errors, timeouts,
// truncated bodies, bodies that are not a valid Dukascopy day (parseDayJson), 400 (the real service answers 400
// transiently), 408, 429 and 5xx, honouring Retry-After (capped at backoffMaxMs). 404 means an unknown
// instrument and fails at once (UNKNOWN_SYMBOL); other statuses fail at once (HTTP_STATUS). When the retries
// are used up the error says so (RETRIES_EXHAUSTED) with the last cause: nothing ever gives up silently.
// Cancelling the caller's AbortSignal aborts the request or the backoff sleep at once (CancelledError).
import { Agent, request } from 'undici';
import { CancelledError, CorruptFileError, DownloadError, type DownloadCode } from '../errors.js';
import { parseDayJson, type DayJson } from '../dukascopy/dayJson.js';
import { formatDay } from '../util/dates.js';
import { globalRateLimiter, type RateLimiter } from './rateLimiter.js';
import { dayUrl, liveUrl } from './url.js';

export interface DownloadOptions {
  baseUrl: string;
  /** Requests per second for the whole process (token bucket, burst = ceil(rps)). */
  rateLimitRps: number;
  /** Download workers = keep-alive connections = requests in flight at most. */
  concurrency: number;
  /** Deadline of one attempt, headers and body together. */
  timeoutMs: number;
  /** Retries after the first attempt; maxRetries + 1 attempts in all. */
  maxRetries: number;
  /** First backoff step; attempt n sleeps uniform(0, min(backoffMaxMs, backoffMs·2ⁿ)). */
  backoffMs: number;
  backoffMaxMs: number;
  userAgent?: string;
  /** A closed day fetched less than this long after its close stays provisional (settle.ts); default 30 min. */
  settleMs?: number;
}

/** Counters for the run summary. */
export interface DownloadStats {
  /** HTTP attempts started (each took a rate-limiter token). */
  requests: number;
  /** Attempts that were retried. */
  retries: number;
  /** Body bytes of successful responses. */
  bytes: number;
  /** Responses per HTTP status code. */
  statuses: Record<number, number>;
  networkErrors: number;
  timeouts: number;
  /** 2xx bodies that were not a valid day document (truncated, bad JSON, bad shape). */
  badBodies: number;
}

export interface DayRequest {
  symbol: string;
  /** Epoch ms of the day's 00:00 UTC. */
  day: number;
  /** true: ask the live URL (today), false: the dated URL. */
  live: boolean;
}

export interface FetchedDay {
  url: string;
  /** The body exactly as received (validated). */
  text: string;
  doc: DayJson;
  bytes: number;
  /** The server's clock when it answered (its HTTP `Date` header, 1 s resolution), when it sent one. */
  serverTime?: number;
}

type Attempt<T = FetchedDay> =
  | { ok: true; value: T }
  | { ok: false; retryable: boolean; code: DownloadCode; message: string; status?: number; cause?: unknown; retryAfterMs?: number };

const DEFAULT_USER_AGENT = 'candlestore/0.1';

export class DownloadClient {
  readonly stats: DownloadStats = { requests: 0, retries: 0, bytes: 0, statuses: {}, networkErrors: 0, timeouts: 0, badBodies: 0 };
  private readonly agent: Agent;

  constructor(
    private readonly opts: DownloadOptions,
    private readonly limiter: RateLimiter = globalRateLimiter(opts.rateLimitRps),
    private readonly random: () => number = Math.random,
  ) {
    const connections = Math.max(1, Math.floor(opts.concurrency));
    this.agent = new Agent({
      connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: opts.timeoutMs,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
  }

  /** Download one day, validated; throws DownloadError (final) or CancelledError (signal aborted). */
  async fetchDay(req: DayRequest, signal?: AbortSignal): Promise<FetchedDay> {
    const url = req.live ? liveUrl(this.opts.baseUrl, req.symbol) : dayUrl(this.opts.baseUrl, req.symbol, req.day);
    const day = formatDay(req.day);
    const what = req.live ? 'live day: ' : '';
    for (let attempt = 0; ; attempt++) {
      await this.limiter.acquire(signal);
      const r = await this.attempt(url, signal);
      if (r.ok) return r.value;
      if (!r.retryable) throw new DownloadError(r.code, req.symbol, day, `${what}${r.message}`, { status: r.status, cause: r.cause });
      if (attempt >= this.opts.maxRetries) {
        throw new DownloadError('RETRIES_EXHAUSTED', req.symbol, day, `${what}failed after ${attempt + 1} attempts: ${r.message}`, {
          status: r.status,
          cause: r.cause,
        });
      }
      this.stats.retries++;
      await sleep(this.backoff(attempt, r.retryAfterMs), signal);
    }
  }

  /**
   * Download a non-day document of `symbol` (the instrument document) with the same rate limit, retries and
   * deadlines as days: `accept` validates the body and throws CorruptFileError for a bad one (retried like a
   * bad day). A 404 fails at once with UNKNOWN_INSTRUMENT.
   */
  async fetchDocument<T>(url: string, symbol: string, what: string, accept: (text: string) => T, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.limiter.acquire(signal);
      const r = await this.attempt(url, signal, (text) => accept(text));
      if (r.ok) return r.value;
      if (!r.retryable) throw new DownloadError(r.code, symbol, what, r.message, { status: r.status, cause: r.cause });
      if (attempt >= this.opts.maxRetries) {
        throw new DownloadError('RETRIES_EXHAUSTED', symbol, what, `failed after ${attempt + 1} attempts: ${r.message}`, { status: r.status, cause: r.cause });
      }
      this.stats.retries++;
      await sleep(this.backoff(attempt, r.retryAfterMs), signal);
    }
  }

  /** Let in-flight requests finish and close the connections. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Drop every connection now (after a cancellation). */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const cap = this.opts.backoffMaxMs;
    const jitter = this.random() * Math.min(cap, this.opts.backoffMs * 2 ** attempt);
    return retryAfterMs === undefined ? jitter : Math.max(jitter, Math.min(cap, retryAfterMs));
  }

  private async attempt<T = FetchedDay>(url: string, signal: AbortSignal | undefined, accept: (text: string, status: number, serverTime: number | undefined, bytes: number) => T = dayAnswer(url) as never): Promise<Attempt<T>> {
    if (signal?.aborted) throw new CancelledError('Download');
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort(new Error('timeout'));
    }, this.opts.timeoutMs);
    this.stats.requests++;
    try {
      const res = await request(url, {
        dispatcher: this.agent,
        method: 'GET',
        headers: { 'user-agent': this.opts.userAgent ?? DEFAULT_USER_AGENT, accept: 'application/json' },
        signal: ctrl.signal,
      });
      const status = res.statusCode;
      this.stats.statuses[status] = (this.stats.statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) {
        const body = Buffer.from(await res.body.arrayBuffer());
        const text = body.toString('utf8');
        try {
          const value = accept(text, status, parseHttpDate(res.headers.date), body.length);
          this.stats.bytes += body.length;
          return { ok: true, value };
        } catch (err) {
          if (!(err instanceof CorruptFileError)) throw err;
          this.stats.badBodies++;
          return { ok: false, retryable: true, code: err.code as DownloadCode, message: err.message, status, cause: err }; // raised as Download above
        }
      }
      const snippet = (await res.body.text()).slice(0, 120).replace(/\s+/g, ' ').trim();
      const message = `HTTP ${status} from ${url}${snippet ? `: ${snippet}` : ''}`;
      if (status === 404) return { ok: false, retryable: false, code: 'UNKNOWN_INSTRUMENT', message: `unknown instrument (${message})`, status };
      if (status === 400 || status === 408 || status === 429 || status >= 500) {
        return { ok: false, retryable: true, code: 'HTTP_STATUS', message, status, retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
      }
      return { ok: false, retryable: false, code: 'HTTP_STATUS', message, status };
    } catch (err) {
      if (signal?.aborted) throw new CancelledError('Download');
      if (timedOut) {
        this.stats.timeouts++;
        return { ok: false, retryable: true, code: 'TIMEOUT', message: `no complete answer within ${this.opts.timeoutMs} ms from ${url}`, cause: err };
      }
      this.stats.networkErrors++;
      const e = err as Error & { code?: string };
      return { ok: false, retryable: true, code: 'NETWORK', message: `network error on ${url}: ${e.code ? `${e.code} ` : ''}${e.message}`, cause: err };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** The validation of a day body: the decoded document (CorruptFileError for a bad body). */
function dayAnswer(url: string) {
  return (text: string, _status: number, serverTime: number | undefined, bytes: number): FetchedDay => ({ url, text, doc: parseDayJson(text, url, 'Download'), bytes, serverTime });
}

/** Retry-After as delta-seconds or HTTP date → ms to wait (≥ 0), undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/** An HTTP `Date` header → epoch ms, undefined when absent or unreadable. */
export function parseHttpDate(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : undefined;
}

/** setTimeout as a promise that rejects with CancelledError('Download') as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('Download'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('Download'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
