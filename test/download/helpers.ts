// Test helpers for the Download stage: a small node:http server that speaks the Dukascopy candle protocol
// (DESIGN §3) with deterministic synthetic days shaped like test/fixtures/dukascopy (copied from ../shared/fixtures), scripted faults per
// URL path, and a request log; plus an encoder/decoder of the day JSON written independently of src/.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** A candle with prices as integers in 1e-5 units. */
export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'truncated' }
  | { kind: 'badjson' }
  | { kind: 'badshape' }
  | { kind: 'delay'; ms: number };

export interface LoggedRequest {
  path: string;
  at: number;
}

const PATH_RE = /^\/v1\/candles\/minute\/([^/]+)\/BID(?:\/(\d+)\/(\d+)\/(\d+))?$/;

/** Deterministic candles of one UTC day: every minute before `until`, a few gaps (as in real data). */
export function syntheticDay(code: string, day: number, until = day + DAY): Candle[] {
  let seed = hash(`${code}:${day}`);
  const rnd = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const out: Candle[] = [];
  let price = 114_000 + Math.floor(rnd() * 2000);
  for (let t = day; t < Math.min(until, day + DAY); t += MINUTE) {
    const step = Math.floor(rnd() * 21) - 10;
    const gap = rnd() < 0.03;
    if (gap) continue;
    const o = price;
    price += step;
    const c = price;
    out.push({ t, o, h: Math.max(o, c) + Math.floor(rnd() * 5), l: Math.min(o, c) - Math.floor(rnd() * 5), c, v: Math.round(rnd() * 20000) / 100 });
  }
  return out;
}

/** Encode candles the way the service does (base = first candle, integer deltas, 1e-5 multiplier). */
export function encodeDay(candles: readonly Candle[], day: number): string {
  const m = 1e-5;
  if (candles.length === 0) {
    return JSON.stringify({ timestamp: day, multiplier: m, open: null, high: null, low: null, close: null, shift: MINUTE, times: [], opens: [], highs: [], lows: [], closes: [], volumes: [] });
  }
  const f = candles[0];
  const price = (u: number) => Number((u * m).toFixed(5));
  const d = (k: 't' | 'o' | 'h' | 'l' | 'c', i: number) => (i === 0 ? 0 : candles[i][k] - candles[i - 1][k]);
  return JSON.stringify({
    timestamp: f.t,
    multiplier: m,
    open: price(f.o),
    high: price(f.h),
    low: price(f.l),
    close: price(f.c),
    shift: MINUTE,
    times: candles.map((_, i) => d('t', i) / MINUTE),
    opens: candles.map((_, i) => d('o', i)),
    highs: candles.map((_, i) => d('h', i)),
    lows: candles.map((_, i) => d('l', i)),
    closes: candles.map((_, i) => d('c', i)),
    volumes: candles.map((x) => x.v),
  });
}

/** Decode a day JSON into candles with prices in multiplier units. */
export function decodeDay(text: string): Candle[] {
  const j = JSON.parse(text);
  const out: Candle[] = [];
  let t = j.timestamp;
  let o = Math.round(j.open / j.multiplier);
  let h = Math.round(j.high / j.multiplier);
  let l = Math.round(j.low / j.multiplier);
  let c = Math.round(j.close / j.multiplier);
  for (let i = 0; i < j.times.length; i++) {
    t += j.times[i] * j.shift;
    o += j.opens[i];
    h += j.highs[i];
    l += j.lows[i];
    c += j.closes[i];
    out.push({ t, o, h, l, c, v: j.volumes[i] });
  }
  return out;
}

export class TestServer {
  url = '';
  /** Server clock for the live day (its day and the candles before it, the forming minute included). */
  now: number;
  /** Known instrument codes; others answer 404. */
  known = new Set(['EUR-USD', 'GBP-USD', 'USD-JPY', 'BTC-USD']);
  /** Faults to apply, in order, to the next requests of a path (then normal answers). */
  readonly script = new Map<string, Fault[]>();
  /** A fault for every request of paths it returns one for (after `script`). */
  always: ((path: string) => Fault | undefined) | undefined;
  /** Edit the live candles before they are served (to revise already-served minutes). */
  editLive: ((code: string, candles: Candle[]) => Candle[]) | undefined;
  readonly log: LoggedRequest[] = [];
  /** Requests whose client went away before the answer was complete. */
  aborted = 0;
  /** Requests being answered now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(now: number) {
    this.now = now;
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  count(pred: (path: string) => boolean = () => true): number {
    return this.log.filter((r) => pred(r.path)).length;
  }

  fault(path: string, ...faults: Fault[]): void {
    this.script.set(path, [...(this.script.get(path) ?? []), ...faults]);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    this.log.push({ path, at: performance.now() });
    let finished = false;
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    res.on('finish', () => (finished = true));
    res.on('close', () => {
      this.inFlight--;
      if (!finished) this.aborted++;
    });
    const m = PATH_RE.exec(path);
    if (!m) return void res.writeHead(404).end('no route');
    const code = decodeURIComponent(m[1]);
    if (!this.known.has(code)) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"unknown instrument"}');
    let body: string;
    if (m[2]) {
      const day = Date.UTC(+m[2], +m[3] - 1, +m[4]);
      body = encodeDay(syntheticDay(code, day), day);
    } else {
      const day = Math.floor(this.now / DAY) * DAY;
      let candles = syntheticDay(code, day, this.now + 1);
      if (this.editLive) candles = this.editLive(code, candles);
      body = encodeDay(candles, day);
    }
    const queue = this.script.get(path);
    const fault = queue && queue.length > 0 ? queue.shift() : this.always?.(path);
    if (fault) {
      switch (fault.kind) {
        case 'status': {
          const headers: Record<string, string> = { 'content-type': 'text/plain' };
          if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
          return void res.writeHead(fault.status, headers).end(`fault ${fault.status}`);
        }
        case 'truncated':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
          res.write(body.slice(0, Math.floor(body.length / 2)));
          setTimeout(() => res.destroy(), 5);
          return;
        case 'badjson':
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(body.slice(0, Math.floor(body.length / 2)));
        case 'badshape': {
          const j = JSON.parse(body);
          j.volumes = j.volumes.slice(1);
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(j));
        }
        case 'delay':
          // a timer that ends early when the client goes away, so nothing outlives the test
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, fault.ms);
            res.on('close', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          if (res.destroyed || res.writableEnded) return;
          break;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  }
}

export async function startServer(now: number): Promise<TestServer> {
  return new TestServer(now).start();
}

export async function tempRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'candlestore-dl-'));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Every file under `dir`, relative paths, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(d, e.name), rel ? `${rel}/${e.name}` : e.name);
      else out.push(rel ? `${rel}/${e.name}` : e.name);
    }
  };
  await walk(dir, '');
  return out.sort();
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
