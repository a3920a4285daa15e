// Tests of the `sim` Dukascopy protocol server: real HTTP against a server on 127.0.0.1:0, decoding done
// here independently of the generator, wire format compared with the real recorded responses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CandleError, ConfigError } from '../../src/errors.js';
import { parseSymbolList } from '../../src/config/symbols.js';
import { symbolFileName } from '../../src/dukascopy/symbolCode.js';
import { formatJavaDouble, formatScaled } from '../../src/sim/format.js';
import { formatDayJson, generateDay, generateDayText, simulateDay } from '../../src/sim/generator.js';
import { getInstrument, instrumentDocument, SIM_INSTRUMENTS } from '../../src/sim/instruments.js';
import { parseSimCliOptions, runSimFromCli } from '../../src/sim/cli.js';
import { FAULT_KINDS, startSim, type FaultKind, type SimServer } from '../../src/sim/server.js';

const FIXTURES = new URL('../fixtures/dukascopy/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8').trim();
const SYMBOLS_TXT = new URL('../../symbols.txt', import.meta.url);

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 6, 13, 12, 30, 30); // Monday 2026-07-13 12:30:30 UTC
const KEYS = ['timestamp', 'multiplier', 'open', 'high', 'low', 'close', 'shift', 'times', 'opens', 'highs', 'lows', 'closes', 'volumes'];

interface Doc {
  timestamp: number;
  multiplier: number;
  shift: number;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  times: number[];
  opens: number[];
  highs: number[];
  lows: number[];
  closes: number[];
  volumes: number[];
}
interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** Decode per DESIGN §3: cumulative integer sums of the deltas on the base price in multiplier units. */
function decode(doc: Doc): Candle[] {
  const n = doc.times.length;
  for (const k of ['opens', 'highs', 'lows', 'closes', 'volumes'] as const) assert.equal(doc[k].length, n, `${k} length`);
  if (n === 0) {
    assert.equal(doc.open, null);
    return [];
  }
  const m = doc.multiplier;
  const base = (x: number | null) => {
    assert.equal(typeof x, 'number');
    const u = Math.round((x as number) / m);
    assert.ok(Math.abs(u * m - (x as number)) < m * 1e-6, `base price ${x} on the ${m} grid`);
    return u;
  };
  let t = doc.timestamp;
  let [o, h, l, c] = [base(doc.open), base(doc.high), base(doc.low), base(doc.close)];
  const out: Candle[] = [];
  for (let i = 0; i < n; i++) {
    for (const k of ['times', 'opens', 'highs', 'lows', 'closes'] as const) assert.ok(Number.isInteger(doc[k][i]), `${k}[${i}] integer`);
    if (i === 0) {
      assert.equal(doc.times[0], 0);
      for (const k of ['opens', 'highs', 'lows', 'closes'] as const) assert.equal(doc[k][0], 0, `${k}[0] is 0`);
    }
    t += doc.times[i] * doc.shift;
    o += doc.opens[i];
    h += doc.highs[i];
    l += doc.lows[i];
    c += doc.closes[i];
    out.push({ t, o, h, l, c, v: doc.volumes[i] });
  }
  return out;
}

function checkCandles(candles: Candle[], what: string): void {
  let prev = -Infinity;
  for (const k of candles) {
    assert.ok(k.l <= k.o && k.l <= k.c && k.h >= k.o && k.h >= k.c && k.l > 0, `${what}: OHLC at ${new Date(k.t).toISOString()}`);
    assert.ok(k.v > 0, `${what}: volume > 0`);
    assert.ok(k.t > prev && k.t % MIN === 0, `${what}: times ascending whole minutes`);
    prev = k.t;
  }
}

async function get(server: SimServer, path: string): Promise<{ status: number; text: string; headers: Headers }> {
  const r = await fetch(server.url + path);
  return { status: r.status, text: await r.text(), headers: r.headers };
}

const dayPath = (code: string, ms: number) => {
  const d = new Date(ms);
  return `/v1/candles/minute/${code}/BID/${d.getUTCFullYear()}/${d.getUTCMonth() + 1}/${d.getUTCDate()}`;
};

let sim: SimServer;
before(async () => {
  sim = await startSim({ host: '127.0.0.1', port: 0, seed: 1, now: NOW });
});
after(async () => {
  await sim.close();
});

describe('wire format, against the real recorded responses', () => {
  test('Java-style number text reproduces the fixtures byte for byte', () => {
    for (const f of ['candles-minute-EUR-USD-BID-2026-7-10.json', 'candles-minute-BTC-USD-BID-from-1783900800000.json', 'candles-minute-EUR-USD-BID-2026-7-11-empty.json']) {
      const text = fixture(f);
      assert.equal(formatDayJson(JSON.parse(text) as Doc), text, f);
    }
    assert.equal(formatJavaDouble(1e-5), '1.0E-5');
    assert.equal(formatJavaDouble(0.1), '0.1');
    assert.equal(formatJavaDouble(0.001), '0.001');
    assert.equal(formatJavaDouble(27), '27.0');
    assert.equal(formatJavaDouble(0.000114), '1.14E-4');
    assert.equal(formatJavaDouble(1e7), '1.0E7');
    for (const [u, d] of [[2700, 2], [114, 6], [114331, 5], [1, 5], [637227, 1], [5, 3], [999, 6], [1000, 6]]) assert.equal(formatScaled(u, d), formatJavaDouble(u / 10 ** d), `${u}e-${d}`);
  });

  test('a generated empty day is byte-identical to the real empty day', async () => {
    const r = await get(sim, '/v1/candles/minute/EUR-USD/BID/2026/7/11');
    assert.equal(r.status, 200);
    assert.equal(r.text, fixture('candles-minute-EUR-USD-BID-2026-7-11-empty.json'));
  });

  test('a generated day has the fixture key order and number style', async () => {
    for (const [code, fix] of [
      ['EUR-USD', 'candles-minute-EUR-USD-BID-2026-7-10.json'],
      ['BTC-USD', 'candles-minute-BTC-USD-BID-from-1783900800000.json'],
    ]) {
      const real = fixture(fix);
      const r = await get(sim, '/v1/candles/minute/' + code + '/BID/2026/7/10');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(Object.keys(JSON.parse(r.text)), Object.keys(JSON.parse(real)));
      assert.deepEqual(Object.keys(JSON.parse(r.text)), KEYS);
      const mult = (s: string) => /"multiplier":([^,]+),/.exec(s)?.[1];
      assert.equal(mult(r.text), mult(real), `${code} multiplier text`);
      // Base prices and volumes are floats in Java style, deltas plain integers, like the real body.
      const doc = JSON.parse(r.text) as Doc;
      assert.match(r.text, /"open":\d+\.\d+,"high":\d+\.\d+,"low":\d+\.\d+,"close":\d+\.\d+,"shift":60000,"times":\[0,/);
      const arr = (k: string) => new RegExp(`"${k}":\\[([^\\]]*)\\]`).exec(r.text)![1].split(',');
      for (const k of ['times', 'opens', 'highs', 'lows', 'closes']) assert.ok(arr(k).every((x) => /^-?\d+$/.test(x)), `${k} integers`);
      assert.ok(arr('volumes').every((x) => /^\d+\.\d+(E-?\d+)?$/.test(x)), 'volumes Java doubles');
      assert.deepEqual(arr('volumes'), doc.volumes.map(formatJavaDouble));
      if (code === 'EUR-USD') assert.ok(doc.volumes.every((v) => Math.round(v * 100) / 100 === v), 'FX volumes have 2 decimals');
    }
  });

  test('generateDay / generateDayText match what the server sends', async () => {
    const day = Date.UTC(2026, 6, 8);
    const r = await get(sim, dayPath('GBP-USD', day));
    assert.equal(r.text, generateDayText('GBP/USD', day, 1, { nowMs: NOW }));
    assert.deepEqual(JSON.parse(r.text), generateDay('GBP/USD', day, 1, NOW));
    assert.equal(formatDayJson(generateDay('GBP/USD', day, 1)), r.text);
    assert.throws(() => generateDay('ABC/XYZ', day, 1), (e: unknown) => e instanceof CandleError && e.code === 'UNKNOWN_INSTRUMENT');
    assert.throws(() => generateDay('eur/usd', day, 1), ConfigError);
  });
});

describe('data', () => {
  test('deterministic: same seed same bytes, another seed other bytes', async () => {
    const other = await startSim({ seed: 1, now: NOW });
    const third = await startSim({ seed: 2, now: NOW });
    try {
      for (const path of [dayPath('EUR-USD', Date.UTC(2026, 6, 9)), dayPath('BTC-USD', Date.UTC(2024, 1, 29)), '/v1/candles/minute/XAU-USD/BID']) {
        const a = await get(sim, path);
        const b = await get(other, path);
        const c = await get(third, path);
        assert.equal(a.status, 200);
        assert.equal(a.text, b.text, path);
        assert.notEqual(a.text, c.text, path);
      }
    } finally {
      await other.close();
      await third.close();
    }
  });

  test('FX hours: closed Friday 22:00 to Sunday 22:00 UTC; timestamp is the first candle', async () => {
    const fri = Date.UTC(2026, 6, 10);
    const sat = Date.UTC(2026, 6, 11);
    const sun = Date.UTC(2026, 6, 12);
    const friDoc = JSON.parse((await get(sim, dayPath('EUR-USD', fri))).text) as Doc;
    const friC = decode(friDoc);
    assert.equal(friDoc.timestamp, fri, 'Friday starts 00:00');
    assert.ok(friC.length > 1250 && friC.every((k) => k.t < fri + 22 * 3_600_000), 'Friday: nothing from 22:00');
    assert.ok(friC[friC.length - 1].t >= fri + 21 * 3_600_000, 'Friday trades until the evening');
    for (const code of ['EUR-USD', 'XAU-USD', 'BRENT.CMD-USD']) {
      const satDoc = JSON.parse((await get(sim, dayPath(code, sat))).text) as Doc;
      assert.equal(satDoc.times.length, 0, `${code} Saturday empty`);
      assert.equal(satDoc.timestamp, sat);
      const sunDoc = JSON.parse((await get(sim, dayPath(code, sun))).text) as Doc;
      const sunC = decode(sunDoc);
      assert.ok(sunC.length > 100 && sunC.length <= 120, `${code} Sunday: only the last 2 hours`);
      assert.ok(sunC.every((k) => k.t >= sun + 22 * 3_600_000), `${code} Sunday from 22:00`);
      assert.equal(sunDoc.timestamp, sunC[0].t, 'timestamp = first candle');
      assert.equal(sunDoc.times[0], 0);
    }
    // Crypto trades on Saturday.
    assert.ok(decode(JSON.parse((await get(sim, dayPath('BTC-USD', sat))).text) as Doc).length > 1400);
  });

  test('index hours follow the exchange time zone with DST', async () => {
    const h = (x: number) => x * 3_600_000;
    const firstLast = async (code: string, day: number) => {
      const c = decode(JSON.parse((await get(sim, dayPath(code, day))).text) as Doc);
      return c.length === 0 ? [] : [c[0].t - day, c[c.length - 1].t - day + MIN];
    };
    // S&P 500: 09:30–16:00 New York = 13:30–20:00 UTC in July (EDT), 14:30–21:00 in January (EST). Some
    // minutes at the edges may be volume gaps, so allow a few minutes of slack.
    const near = (got: number[], want: number[]) => assert.ok(got.length === 2 && Math.abs(got[0] - want[0]) <= 10 * MIN && Math.abs(got[1] - want[1]) <= 10 * MIN, `${got.map((x) => x / 3_600_000)} vs ${want.map((x) => x / 3_600_000)}`);
    near(await firstLast('USA500.IDX-USD', Date.UTC(2026, 6, 7)), [h(13.5), h(20)]);
    near(await firstLast('USA500.IDX-USD', Date.UTC(2026, 0, 13)), [h(14.5), h(21)]);
    // ASX: 10:00–16:00 Sydney = 00:00–06:00 UTC in July (AEST); in January (AEDT) 23:00–05:00 UTC, so
    // Monday's session opens on the UTC Sunday.
    near(await firstLast('AUS.IDX-AUD', Date.UTC(2026, 6, 7)), [0, h(6)]);
    near(await firstLast('AUS.IDX-AUD', Date.UTC(2026, 0, 11)), [h(23), h(24)]); // Sunday
    assert.deepEqual(await firstLast('AUS.IDX-AUD', Date.UTC(2026, 0, 10)), []); // Saturday
    assert.deepEqual(await firstLast('DEU.IDX-EUR', Date.UTC(2026, 6, 12)), []); // Sunday
  });

  test('OHLC sane, volumes positive, ~1% omitted minutes, continuous across days', async () => {
    const start = Date.UTC(2026, 5, 29); // Monday
    let minutes = 0;
    let gaps = 0;
    for (const inst of SIM_INSTRUMENTS) {
      let prevClose: number | undefined;
      for (let d = 0; d < 3; d++) {
        const day = start + d * DAY;
        const doc = JSON.parse((await get(sim, dayPath(inst.code, day))).text) as Doc;
        assert.equal(doc.multiplier, inst.multiplier);
        const candles = decode(doc);
        checkCandles(candles, `${inst.name} ${new Date(day).toISOString().slice(0, 10)}`);
        const level = candles[0].c * inst.multiplier;
        assert.ok(level > inst.price / 3 && level < inst.price * 3, `${inst.name} price level ${level} near ${inst.price}`);
        if (inst.hours.kind !== 'exchange') {
          minutes += (candles[candles.length - 1].t - candles[0].t) / MIN + 1;
          gaps += (candles[candles.length - 1].t - candles[0].t) / MIN + 1 - candles.length;
          if (prevClose !== undefined) {
            const jump = Math.abs(candles[0].o - prevClose) / prevClose;
            assert.ok(jump < 0.01, `${inst.name}: day boundary jump ${jump}`);
          }
        }
        prevClose = candles[candles.length - 1].c;
      }
    }
    const share = gaps / minutes;
    assert.ok(share > 0.004 && share < 0.03, `omitted minutes share ${share}`);
  });
});

describe('live day', () => {
  test('cut at now: only complete minutes, same as the dated route, a prefix of the finished day', async () => {
    const today = Date.UTC(2026, 6, 13);
    const live = await get(sim, '/v1/candles/minute/EUR-USD/BID');
    const dated = await get(sim, dayPath('EUR-USD', today));
    assert.equal(live.status, 200);
    assert.equal(live.text, dated.text);
    const cut = decode(JSON.parse(live.text) as Doc);
    assert.ok(cut.length > 600);
    const floorNow = Math.floor(NOW / MIN) * MIN;
    assert.ok(cut.every((k) => k.t + MIN <= NOW && k.t < floorNow), 'no minute >= floor(now)');
    assert.ok(cut[cut.length - 1].t >= floorNow - 10 * MIN, 'up to (almost) now');
    const full = decode(generateDay('EUR/USD', today, 1) as Doc);
    assert.ok(full.length > cut.length);
    assert.deepEqual(full.slice(0, cut.length), cut, 'live day is a prefix of the finished day');
    // A clock that moves: the live day grows, keeping its prefix.
    let clock = NOW;
    const moving = await startSim({ seed: 1, now: () => clock });
    try {
      const a = decode(JSON.parse((await get(moving, '/v1/candles/minute/EUR-USD/BID')).text) as Doc);
      clock += 30 * MIN;
      const b = decode(JSON.parse((await get(moving, '/v1/candles/minute/EUR-USD/BID')).text) as Doc);
      assert.ok(b.length > a.length + 20);
      assert.deepEqual(b.slice(0, a.length), a);
    } finally {
      await moving.close();
    }
  });

  test('days after now are valid empty days', async () => {
    const r = await get(sim, dayPath('BTC-USD', Date.UTC(2026, 6, 14)));
    assert.equal(r.status, 200);
    const doc = JSON.parse(r.text) as Doc;
    assert.equal(doc.times.length, 0);
    assert.equal(doc.open, null);
    assert.equal(doc.timestamp, Date.UTC(2026, 6, 14));
  });

  test('?from= returns the live day from that instant on, re-based', async () => {
    const from = Date.UTC(2026, 6, 13, 10, 0);
    const r = await get(sim, `/v1/candles/minute/EUR-USD/BID?from=${from}`);
    assert.equal(r.status, 200);
    const doc = JSON.parse(r.text) as Doc;
    const tail = decode(doc);
    assert.ok(tail.length > 100);
    assert.ok(tail[0].t >= from && tail[0].t < from + 10 * MIN);
    assert.equal(doc.timestamp, tail[0].t);
    const whole = decode(JSON.parse((await get(sim, '/v1/candles/minute/EUR-USD/BID')).text) as Doc);
    assert.deepEqual(tail, whole.filter((k) => k.t >= from));
    // The BTC fixture's form: from = the day start gives the whole live day.
    const all = await get(sim, `/v1/candles/minute/BTC-USD/BID?from=${Date.UTC(2026, 6, 13)}`);
    assert.equal(all.text, (await get(sim, '/v1/candles/minute/BTC-USD/BID')).text);
    const none = JSON.parse((await get(sim, `/v1/candles/minute/EUR-USD/BID?from=${NOW}`)).text) as Doc;
    assert.equal(none.times.length, 0);
    assert.equal((await get(sim, '/v1/candles/minute/EUR-USD/BID?from=abc')).status, 400);
  });
});

describe('revisions (--revise)', () => {
  test('earlier minutes change between requests, deterministically; the closed day differs from the last live answer', async () => {
    const today = Date.UTC(2026, 6, 13);
    let clock = Date.UTC(2026, 6, 13, 15, 0, 10);
    const rev = await startSim({ seed: 1, now: () => clock, revise: 0.05 });
    const again = await startSim({ seed: 1, now: () => clock, revise: 0.05 });
    try {
      const live = async (s: SimServer) => decode(JSON.parse((await get(s, '/v1/candles/minute/EUR-USD/BID')).text) as Doc);
      const a = await live(rev);
      assert.deepEqual(await live(again), a, 'same seed and request time: same answer');
      assert.deepEqual(await live(rev), a, 'same minute: same answer');
      const plain = decode(generateDay('EUR/USD', today, 1, clock) as Doc);
      const byT = (list: typeof a) => new Map(list.map((k) => [k.t, k]));
      const plainByT = byT(plain);
      const revised = a.filter((k) => JSON.stringify(k) !== JSON.stringify(plainByT.get(k.t)));
      assert.ok(revised.length > 10 && revised.length < a.length / 5, `${revised.length} of ${a.length} candles revised`);
      for (const k of a) assert.ok(k.l <= k.o && k.l <= k.c && k.o <= k.h && k.c <= k.h && k.v > 0, 'revised candles stay sane');
      assert.ok(a.every((k) => plainByT.has(k.t)), 'late candles may be missing, never extra');
      clock += 37 * MIN;
      const b = await live(rev);
      const aByT = byT(a);
      const changed = b.filter((k) => aByT.has(k.t) && JSON.stringify(k) !== JSON.stringify(aByT.get(k.t)));
      assert.ok(changed.length > 10, `earlier minutes revised by the later answer: ${changed.length}`);
      const bByT = byT(b);
      assert.ok(a.every((k) => bByT.has(k.t)), 'a candle served before is still there (only recent ones can be late)');
      clock = today + 86_400_000 + 3_600_000;
      const closed = decode(JSON.parse((await get(rev, dayPath('EUR-USD', today))).text) as Doc);
      const lastLive = byT(b);
      const differ = closed.filter((k) => lastLive.has(k.t) && JSON.stringify(k) !== JSON.stringify(lastLive.get(k.t)));
      assert.ok(differ.some((k) => k.c !== lastLive.get(k.t)!.c) && differ.some((k) => k.v !== lastLive.get(k.t)!.v), 'prices and volumes differ');
      clock += 5 * 3_600_000;
      assert.deepEqual(decode(JSON.parse((await get(rev, dayPath('EUR-USD', today))).text) as Doc), closed, 'a closed day is stable');
    } finally {
      await rev.close();
      await again.close();
    }
  });

  test('--revise is validated', () => {
    assert.equal(parseSimCliOptions({ revise: '0.2' }).revise, 0.2);
    assert.throws(() => parseSimCliOptions({ revise: '2' }), /--revise must be a probability/);
    assert.throws(() => parseSimCliOptions({ revise: 'x' }), /--revise must be a probability/);
  });
});

describe('instruments and errors', () => {
  test('instrument documents cover symbols.txt and look like the real ones', async () => {
    const names = parseSymbolList(readFileSync(SYMBOLS_TXT, 'utf8'), 'symbols.txt');
    assert.ok(names.length >= 14);
    for (const extra of ['USD/CAD', 'NZD/USD', 'EUR/JPY', 'JPN.IDX/JPY', 'GBR.IDX/GBP', 'ETH/USD']) names.push(extra);
    const realKeys = Object.keys(JSON.parse(fixture('instrument-EUR-USD.json')));
    for (const name of names) {
      const r = await get(sim, `/v1/instruments/${symbolFileName(name)}`);
      assert.equal(r.status, 200, name);
      const doc = JSON.parse(r.text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(doc), realKeys, `${name} keys`);
      assert.equal(doc.name, name);
      assert.equal(doc.code, symbolFileName(name));
      const inst = getInstrument(name);
      assert.equal(doc.priceScale, inst.priceScale);
      assert.deepEqual(doc, instrumentDocument(inst));
      const minute = (doc.histories as { period: string; from: number }[]).find((x) => x.period === 'MINUTE');
      assert.ok(minute && minute.from < Date.UTC(2020, 0, 1), `${name} MINUTE history`);
      assert.ok(Array.isArray(doc.holidays) && Array.isArray(doc.tradeSchedule));
      assert.equal(typeof doc.defaultTimezone, 'string');
    }
    const eur = await get(sim, '/v1/instruments/EUR-USD');
    assert.match(eur.text, /"pipValue":1\.0E-4,"priceScale":5,/);
    assert.match((await get(sim, '/v1/instruments/BTC-USD')).text, /"pipValue":1\.0,"priceScale":1,/);
    assert.equal(getInstrument('USD/JPY').priceScale, 3);
    assert.equal(getInstrument('XAU/USD').priceScale, 3);
    assert.equal(getInstrument('USA500.IDX/USD').priceScale, 3);
  });

  test('data starts at the MINUTE history', async () => {
    assert.equal(JSON.parse((await get(sim, dayPath('BTC-USD', Date.UTC(2016, 0, 5)))).text).times.length, 0);
    assert.ok(JSON.parse((await get(sim, dayPath('EUR-USD', Date.UTC(2016, 0, 5)))).text).times.length > 1000);
  });

  test('404 unknown symbol or route, 400 bad dates, 405 other methods', async () => {
    for (const path of ['/v1/candles/minute/ABC-XYZ/BID/2026/7/10', '/v1/candles/minute/ABC-XYZ/BID', '/v1/instruments/ABC-XYZ', '/v1/candles/minute/EUR-USD/MID/2026/7/10', '/v1/candles/minute/ABC-XYZ/ASK/2026/7/10', '/', '/v1/instruments']) {
      const r = await get(sim, path);
      assert.equal(r.status, 404, path);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      assert.equal((JSON.parse(r.text) as { status: number }).status, 404);
    }
    for (const date of ['2026/07/10', '2026/7/01', '2026/2/30', '2026/13/1', '2026/0/1', '26/7/10', '2026/7/x']) {
      const r = await get(sim, `/v1/candles/minute/EUR-USD/BID/${date}`);
      assert.equal(r.status, 400, date);
      assert.match((JSON.parse(r.text) as { message: string }).message, /date/);
    }
    const post = await fetch(`${sim.url}/v1/instruments/EUR-USD`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    await post.text();
  });
});

describe('faults', () => {
  const path = dayPath('EUR-USD', Date.UTC(2026, 6, 9));

  test('each fault kind is observable', async () => {
    const clean = (await get(sim, path)).text;
    const cleanLength = Buffer.byteLength(clean);
    for (const kind of FAULT_KINDS) {
      const lines: string[] = [];
      const s = await startSim({ now: NOW, faults: 1, faultKinds: [kind], slowMs: 200, verbose: true, log: (l) => lines.push(l) });
      try {
        const t0 = performance.now();
        if (kind === 'reset') {
          await assert.rejects(fetch(s.url + path), kind);
        } else {
          const r = await fetch(s.url + path);
          if (kind === '400' || kind === '503' || kind === '429') {
            assert.equal(r.status, +kind);
            assert.equal((JSON.parse(await r.text()) as { status: number }).status, +kind);
            if (kind === '429') assert.equal(r.headers.get('retry-after'), '1');
          } else if (kind === 'slow') {
            assert.equal(r.status, 200);
            assert.equal(await r.text(), clean);
            assert.ok(performance.now() - t0 >= 150, 'slow takes about slowMs');
          } else if (kind === 'truncated') {
            assert.equal(r.status, 200);
            assert.equal(r.headers.get('content-length'), String(cleanLength));
            await assert.rejects(r.text(), kind);
          } else if (kind === 'invalid-json') {
            assert.equal(r.status, 200);
            const body = await r.text();
            assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(body)));
            assert.ok(body.length > 0 && clean.startsWith(body) && body.length < clean.length);
            assert.throws(() => JSON.parse(body));
          }
        }
        assert.equal(s.stats.faults[kind], 1, kind);
        assert.equal(s.stats.requests, 1);
      } finally {
        await s.close();
      }
      assert.equal(lines.length, 1);
      assert.match(lines[0], new RegExp(`^GET ${path.replaceAll('/', '\\/')} \\S+ fault=${kind} \\d+B [\\d.]+ms$`));
    }
  });

  test('faultStreak bounds consecutive faults per URL; bad requests never fault', async () => {
    const s = await startSim({ now: NOW, faults: 1, faultKinds: ['503', '429'], faultStreak: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await get(s, path)).status);
      assert.ok(statuses.slice(0, 3).every((x) => x === 503 || x === 429), String(statuses));
      assert.equal(statuses[3], 200);
      assert.notEqual((await get(s, path)).status, 200, 'a new streak starts after a success');
      assert.notEqual((await get(s, '/v1/instruments/EUR-USD')).status, 200, 'streaks are per URL');
      assert.equal((await get(s, '/v1/candles/minute/EUR-USD/BID/2026/07/09')).status, 400);
      assert.equal((await get(s, '/v1/instruments/NOPE-USD')).status, 404);
      assert.equal(s.stats.requests, 8);
    } finally {
      await s.close();
    }
  });

  test('the fault sequence is deterministic for a seed', async () => {
    const run = async () => {
      const s = await startSim({ now: NOW, seed: 7, faults: 0.5, faultKinds: ['400', '503', '429'] });
      try {
        const out: number[] = [];
        for (let i = 0; i < 12; i++) out.push((await get(s, dayPath('EUR-USD', Date.UTC(2026, 5, 1 + i)))).status);
        return { out, faults: { ...s.stats.faults } };
      } finally {
        await s.close();
      }
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
    assert.ok(a.out.some((x) => x === 200) && a.out.some((x) => x !== 200), String(a.out));
  });

  test('bad options are refused', async () => {
    await assert.rejects(startSim({ faults: 1.5 }), ConfigError);
    await assert.rejects(startSim({ faultKinds: ['boom' as FaultKind] }), ConfigError);
  });
});

describe('cli', () => {
  test('validates its text options', () => {
    assert.throws(() => parseSimCliOptions({ faults: '2' }), ConfigError);
    assert.throws(() => parseSimCliOptions({ faults: 'abc' }), ConfigError);
    assert.throws(() => parseSimCliOptions({ now: 'yesterday' }), ConfigError);
    assert.throws(() => parseSimCliOptions({ now: '2026-13-01' }), ConfigError);
    assert.throws(() => parseSimCliOptions({ faultKinds: '429,boom' }), ConfigError);
    assert.throws(() => parseSimCliOptions({ port: '70000' }), ConfigError);
    assert.throws(() => parseSimCliOptions({ seed: '1.5' }), ConfigError);
    assert.throws(() => parseSimCliOptions({ host: '0.0.0.0' }), /allow-remote/);
    assert.equal(parseSimCliOptions({ host: '0.0.0.0', allowRemote: true }).host, '0.0.0.0');
    const o = parseSimCliOptions({ port: '0', seed: '42', now: '2026-07-13T12:00:00Z', faults: '0.25', faultKinds: '429, reset' });
    assert.deepEqual([o.seed, o.now, o.faults, o.faultKinds], [42, Date.UTC(2026, 6, 13, 12), 0.25, ['429', 'reset']]);
  });

  test('runSimFromCli prints where it listens and stops on abort', async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    let url = '';
    const done = runSimFromCli({ host: '127.0.0.1', port: '0', seed: '3', now: '2026-07-13T12:00:00Z', faults: '0', signal: ac.signal, log: (l) => lines.push(l) }, (s) => {
      url = s.url;
    });
    while (!url) await new Promise((r) => setTimeout(r, 5));
    assert.match(lines[0], /^sim listening on http:\/\/127\.0\.0\.1:\d+ \(seed 3, now 2026-07-13T12:00:00\.000Z\)$/);
    const r = await fetch(`${url}/v1/candles/minute/EUR-USD/BID`);
    const doc = decode((await r.json()) as Doc);
    assert.ok(doc.length > 0 && doc[doc.length - 1].t < Date.UTC(2026, 6, 13, 12));
    ac.abort();
    await done;
    await assert.rejects(fetch(`${url}/v1/instruments/EUR-USD`));
  });
});

test('generation is fast enough for benchmarks', () => {
  const inst = getInstrument('EUR/USD');
  const t0 = performance.now();
  let n = 0;
  for (let d = 0; d < 200; d++) n += generateDayText('EUR/USD', Date.UTC(2021, 0, 4) + d * DAY, 1).length;
  const perDay = (performance.now() - t0) / 200;
  assert.ok(n > 0 && simulateDay(inst, Date.UTC(2021, 0, 4), 1).n > 1000);
  assert.ok(perDay < 5, `${perDay.toFixed(3)} ms per day`); // ~0.2 ms on an idle core; loose for busy CI
});

describe('clock lag (--lag)', () => {
  test("the server's clock runs behind: the Date header says so and a day closed on the client's clock is served partial", async () => {
    const clientNow = Date.UTC(2026, 6, 14, 0, 40); // Tuesday 00:40; the server is at Monday 22:40
    const lagged = await startSim({ seed: 1, now: clientNow, lagMs: 120 * MIN });
    const caughtUp = await startSim({ seed: 1, now: clientNow });
    try {
      const partial = await get(lagged, '/v1/candles/minute/EUR-USD/BID/2026/7/13');
      assert.equal(Date.parse(partial.headers.get('date')!), clientNow - 120 * MIN);
      const complete = await get(caughtUp, '/v1/candles/minute/EUR-USD/BID/2026/7/13');
      assert.equal(Date.parse(complete.headers.get('date')!), clientNow);
      const p = decode(JSON.parse(partial.text));
      const c = decode(JSON.parse(complete.text));
      assert.equal(p.at(-1)!.t, Date.UTC(2026, 6, 13, 22, 39), 'complete minutes up to the lagging clock');
      assert.deepEqual(p, c.slice(0, p.length), 'a prefix of the complete day');
      assert.ok(c.at(-1)!.t >= Date.UTC(2026, 6, 13, 23, 50));
      // Its live day is still the day before the client's.
      const live = decode(JSON.parse((await get(lagged, '/v1/candles/minute/EUR-USD/BID')).text));
      assert.deepEqual(live, p);
    } finally {
      await lagged.close();
      await caughtUp.close();
    }
  });

  test('--lag takes whole minutes ≥ 0', () => {
    assert.equal(parseSimCliOptions({ lag: '90' }).lagMs, 90 * MIN);
    assert.equal(parseSimCliOptions({}).lagMs, 0);
    assert.throws(() => parseSimCliOptions({ lag: '-5' }), ConfigError);
    assert.throws(() => parseSimCliOptions({ lag: '1.5' }), ConfigError);
  });
});
