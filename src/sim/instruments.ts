// The `sim` instrument catalog: every instrument the local protocol server knows, with a realistic price
// level, decimals (`priceScale`, multiplier = 10^-priceScale), per-minute volatility, volume scale and
// trading hours, and the instrument document served at `/v1/instruments/{CODE}` (shaped like the real
// service's, see test/fixtures/dukascopy (copied from ../shared/fixtures)/instrument-*.json).
//
// Trading hours, deliberately simple and all in UTC except exchange sessions:
// - `fx-week` (FX, metals, commodities): open from Sunday 22:00 to Friday 22:00 UTC, always exactly those
//   UTC hours (no DST shift, no daily break). Their document says `defaultTimezone: "UTC"` to match.
// - `exchange` (indices): the exchange's cash session(s) on Monday–Friday in its own time zone, DST
//   resolved per date through Intl (AUS.IDX trades 10:00–16:00 Sydney, i.e. 23:00/00:00–05:00/06:00 UTC).
// - `always` (crypto): 24/7.
// No holidays are simulated (the document's `holidays` is empty). Minutes before `minuteFrom` (the document's
// MINUTE history start) have no data.
import { CandleError } from '../errors.js';
import { assertSymbol } from '../config/symbols.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import { DAY_MS, MINUTE_MS } from '../util/dates.js';
import { formatJavaDouble } from './format.js';
import { zonedToUtc } from '../util/tz.js';

export type Market = 'fx' | 'metal' | 'commodity' | 'index' | 'crypto';

/** A session in the exchange's local wall-clock time, `HH:MM`, start inclusive, end exclusive (no wrap). */
export interface LocalSession {
  start: string;
  end: string;
}

export type TradingHours =
  | { kind: 'fx-week' }
  | { kind: 'always' }
  | { kind: 'exchange'; timezone: string; sessions: readonly LocalSession[] };

export interface SimInstrument {
  /** symbols.txt name, e.g. `EUR/USD`. */
  name: string;
  /** URL form, e.g. `EUR-USD`. */
  code: string;
  description: string;
  market: Market;
  countryCode: string;
  /** Decimals of a price; the price grid step is `multiplier`. */
  priceScale: number;
  /** 10^-priceScale. */
  multiplier: number;
  pipValue: number;
  /** Typical price level the simulated price drifts around. */
  price: number;
  /** Standard deviation of a one-minute close-to-close move, as a fraction of the price. */
  volPerMinute: number;
  /** Typical one-minute volume. */
  volumeScale: number;
  /** Decimals of a volume (FX: 2, like the real service). */
  volumeDecimals: number;
  /** `defaultTimezone` of the document: the zone its trading schedule is written in. */
  timezone: string;
  hours: TradingHours;
  /** First minute with data (ms, UTC): the document's MINUTE history. */
  minuteFrom: number;
}

const FX: TradingHours = { kind: 'fx-week' };
const ALWAYS: TradingHours = { kind: 'always' };
const exchange = (timezone: string, ...sessions: [string, string][]): TradingHours => ({
  kind: 'exchange',
  timezone,
  sessions: sessions.map(([start, end]) => ({ start, end })),
});

const FX_FROM = Date.UTC(2003, 4, 4, 19); // the real EUR/USD MINUTE history start
const METAL_FROM = Date.UTC(2003, 4, 4, 19);
const CFD_FROM = Date.UTC(2012, 0, 1);
const BTC_FROM = Date.UTC(2017, 4, 7, 23);
const ETH_FROM = Date.UTC(2019, 0, 1);

type Row = [name: string, description: string, market: Market, country: string, price: number, scale: number, pip: number, vol: number, volume: number, volumeDecimals: number, hours: TradingHours, from: number];

// prettier-ignore
const ROWS: Row[] = [
  ['EUR/USD', 'Euro vs US Dollar', 'fx', 'DE', 1.14, 5, 1e-4, 6e-5, 80, 2, FX, FX_FROM],
  ['GBP/USD', 'Pound Sterling vs US Dollar', 'fx', 'GB', 1.34, 5, 1e-4, 7e-5, 60, 2, FX, FX_FROM],
  ['USD/JPY', 'US Dollar vs Japanese Yen', 'fx', 'US', 147.5, 3, 0.01, 7e-5, 70, 2, FX, FX_FROM],
  ['AUD/USD', 'Australian Dollar vs US Dollar', 'fx', 'AU', 0.66, 5, 1e-4, 8e-5, 40, 2, FX, FX_FROM],
  ['USD/CHF', 'US Dollar vs Swiss Franc', 'fx', 'US', 0.8, 5, 1e-4, 6e-5, 35, 2, FX, FX_FROM],
  ['USD/CAD', 'US Dollar vs Canadian Dollar', 'fx', 'US', 1.37, 5, 1e-4, 5e-5, 40, 2, FX, FX_FROM],
  ['NZD/USD', 'New Zealand Dollar vs US Dollar', 'fx', 'NZ', 0.6, 5, 1e-4, 8e-5, 20, 2, FX, FX_FROM],
  ['EUR/GBP', 'Euro vs Pound Sterling', 'fx', 'DE', 0.86, 5, 1e-4, 5e-5, 30, 2, FX, FX_FROM],
  ['EUR/JPY', 'Euro vs Japanese Yen', 'fx', 'DE', 168, 3, 0.01, 7e-5, 35, 2, FX, FX_FROM],
  ['XAU/USD', 'Gold vs US Dollar', 'metal', 'US', 3300, 3, 0.01, 1.5e-4, 0.08, 4, FX, METAL_FROM],
  ['XAG/USD', 'Silver vs US Dollar', 'metal', 'US', 36.5, 3, 0.01, 2.5e-4, 0.6, 4, FX, METAL_FROM],
  ['BRENT.CMD/USD', 'Brent Crude Oil', 'commodity', 'GB', 70, 3, 0.01, 2.5e-4, 0.9, 4, FX, CFD_FROM],
  ['LIGHT.CMD/USD', 'US Light Crude Oil', 'commodity', 'US', 67, 3, 0.01, 2.5e-4, 1.1, 4, FX, CFD_FROM],
  ['USA500.IDX/USD', 'USA 500 Index', 'index', 'US', 6200, 3, 1, 1.2e-4, 0.05, 4, exchange('America/New_York', ['09:30', '16:00']), CFD_FROM],
  ['DEU.IDX/EUR', 'Germany 40 Index', 'index', 'DE', 24000, 3, 1, 1.3e-4, 0.03, 4, exchange('Europe/Berlin', ['09:00', '17:30']), CFD_FROM],
  ['AUS.IDX/AUD', 'Australia 200 Index', 'index', 'AU', 8600, 3, 1, 1.1e-4, 0.02, 4, exchange('Australia/Sydney', ['10:00', '16:00']), CFD_FROM],
  ['JPN.IDX/JPY', 'Japan 225 Index', 'index', 'JP', 39500, 3, 1, 1.5e-4, 0.02, 4, exchange('Asia/Tokyo', ['09:00', '11:30'], ['12:30', '15:30']), CFD_FROM],
  ['GBR.IDX/GBP', 'UK 100 Index', 'index', 'GB', 8900, 3, 1, 1e-4, 0.03, 4, exchange('Europe/London', ['08:00', '16:30']), CFD_FROM],
  ['BTC/USD', 'Bitcoin vs US Dollar', 'crypto', 'US', 63700, 1, 1, 4e-4, 2e-4, 6, ALWAYS, BTC_FROM],
  ['ETH/USD', 'Ether vs US Dollar', 'crypto', 'US', 3400, 2, 0.1, 6e-4, 3e-3, 6, ALWAYS, ETH_FROM],
];

export const SIM_INSTRUMENTS: readonly SimInstrument[] = Object.freeze(
  ROWS.map(([name, description, market, countryCode, price, priceScale, pipValue, volPerMinute, volumeScale, volumeDecimals, hours, minuteFrom]) => {
    assertSymbol(name, 'sim instrument catalog');
    return Object.freeze({
      name,
      code: symbolFileName(name),
      description,
      market,
      countryCode,
      priceScale,
      multiplier: 1 / 10 ** priceScale,
      pipValue,
      price,
      volPerMinute,
      volumeScale,
      volumeDecimals,
      timezone: hours.kind === 'exchange' ? hours.timezone : 'UTC',
      hours,
      minuteFrom,
    });
  }),
);

const BY_KEY = new Map<string, SimInstrument>();
for (const inst of SIM_INSTRUMENTS) {
  BY_KEY.set(inst.name, inst);
  BY_KEY.set(inst.code, inst);
}

/** The instrument for a symbol (`EUR/USD`) or its URL code (`EUR-USD`), or undefined. */
export function findInstrument(symbolOrCode: string): SimInstrument | undefined {
  return BY_KEY.get(symbolOrCode);
}

/** Like findInstrument but throws: ConfigError for a malformed name, `UNKNOWN_SYMBOL` for one not served. */
export function getInstrument(symbol: string): SimInstrument {
  const inst = BY_KEY.get(symbol);
  if (inst) return inst;
  assertSymbol(symbol.includes('/') ? symbol : symbol.replace('-', '/'));
  throw new CandleError('Sim', 'UNKNOWN_INSTRUMENT', `sim has no instrument ${symbol} (known: ${SIM_INSTRUMENTS.map((i) => i.name).join(', ')})`);
}

// ---------------------------------------------------------------------------------------------- hours

/**
 * The trading minutes of one UTC day as sorted, disjoint `[start, end)` pairs of minute-of-day (0..1440),
 * flattened (`[s0, e0, s1, e1, …]`). Minutes before the instrument's `minuteFrom` are left out.
 */
export function tradingIntervals(inst: SimInstrument, dayMs: number): readonly number[] {
  const key = `${inst.code}|${dayMs}`;
  let cached = intervalCache.get(key);
  if (cached === undefined) {
    cached = clipFrom(rawIntervals(inst.hours, dayMs), Math.ceil((inst.minuteFrom - dayMs) / MINUTE_MS));
    if (intervalCache.size >= 8192) intervalCache.clear();
    intervalCache.set(key, cached);
  }
  return cached;
}
const intervalCache = new Map<string, readonly number[]>();

/** Whether the minute starting at `ms` is a trading minute of `inst`. */
export function isTradingMinute(inst: SimInstrument, ms: number): boolean {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  const minute = Math.floor((ms - day) / MINUTE_MS);
  const iv = tradingIntervals(inst, day);
  for (let i = 0; i < iv.length; i += 2) if (minute >= iv[i] && minute < iv[i + 1]) return true;
  return false;
}

const FX_OPEN_MINUTE = 22 * 60; // Sunday 22:00 UTC … Friday 22:00 UTC
const FULL_DAY = [0, 1440] as const;

function rawIntervals(hours: TradingHours, dayMs: number): number[] {
  switch (hours.kind) {
    case 'always':
      return [...FULL_DAY];
    case 'fx-week': {
      const weekday = new Date(dayMs).getUTCDay(); // 0 = Sunday
      if (weekday === 6) return [];
      if (weekday === 0) return [FX_OPEN_MINUTE, 1440];
      if (weekday === 5) return [0, FX_OPEN_MINUTE];
      return [...FULL_DAY];
    }
    case 'exchange':
      return exchangeIntervals(hours.timezone, hours.sessions, dayMs);
  }
}

function exchangeIntervals(timezone: string, sessions: readonly LocalSession[], dayMs: number): number[] {
  const out: number[] = [];
  // A local date can overlap the UTC day only if it is the same calendar date or a neighbour.
  for (let k = -1; k <= 1; k++) {
    const localDate = dayMs + k * DAY_MS; // the local calendar date, carried as "UTC midnight of that date"
    const weekday = new Date(localDate).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    for (const s of sessions) {
      const start = zonedToUtc(timezone, localDate + hhmm(s.start) * MINUTE_MS);
      const end = zonedToUtc(timezone, localDate + hhmm(s.end) * MINUTE_MS);
      const from = Math.max(0, (start - dayMs) / MINUTE_MS);
      const to = Math.min(1440, (end - dayMs) / MINUTE_MS);
      if (from < to) out.push(from, to);
    }
  }
  return mergeIntervals(out);
}

function mergeIntervals(flat: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    if (out.length > 0 && s <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], e);
    else out.push(s, e);
  }
  return out;
}

function clipFrom(flat: number[], firstMinute: number): number[] {
  if (firstMinute <= 0) return flat;
  const out: number[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const s = Math.max(flat[i], firstMinute);
    if (s < flat[i + 1]) out.push(s, flat[i + 1]);
  }
  return out;
}

function hhmm(text: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) throw new RangeError(`bad session time ${JSON.stringify(text)} (want HH:MM)`);
  return +m[1] * 60 + +m[2];
}

// ------------------------------------------------------------------------------------------ document

const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

interface ScheduleSession {
  start: string;
  previousDayStart: boolean;
  end: string;
  previousDayEnd: boolean;
}

function tradeSchedule(inst: SimInstrument): unknown[] {
  const sessions: Record<string, ScheduleSession[]> = {};
  const hours = inst.hours;
  if (hours.kind === 'always') {
    // Written like the real BTC/USD document: every day, 24 hours.
    for (const day of WEEKDAYS) sessions[day] = [{ start: '00:00:00', previousDayStart: true, end: '00:00:00', previousDayEnd: false }];
  } else if (hours.kind === 'fx-week') {
    // Monday's session starts Sunday 22:00 UTC, …, Friday's ends Friday 22:00 UTC.
    for (const day of WEEKDAYS.slice(0, 5)) sessions[day] = [{ start: '22:00:00', previousDayStart: true, end: '22:00:00', previousDayEnd: false }];
  } else {
    for (const day of WEEKDAYS.slice(0, 5)) {
      sessions[day] = hours.sessions.map((s) => ({ start: `${s.start}:00`, previousDayStart: false, end: `${s.end}:00`, previousDayEnd: false }));
    }
  }
  return [{ id: `sim-${hours.kind}-${inst.timezone.replaceAll('/', '_')}`, from: 0, to: null, sessions }];
}

const GROUPS: Record<Market | 'fxCross', { groupId: number; groupCode: string; platformGroupId: string; leverage: number | null }> = {
  fx: { groupId: 18, groupCode: 'FX_MAJORS', platformGroupId: 'FX_MAJOR', leverage: null },
  fxCross: { groupId: 19, groupCode: 'FX_CROSSES', platformGroupId: 'FX_CROSS', leverage: null },
  metal: { groupId: 7, groupCode: 'METALS', platformGroupId: 'METALS', leverage: null },
  commodity: { groupId: 13, groupCode: 'CMD_ENERGY', platformGroupId: 'CFD_COMMODITIES', leverage: 10 },
  index: { groupId: 15, groupCode: 'INDICES', platformGroupId: 'CFD_INDICES', leverage: 20 },
  crypto: { groupId: 9, groupCode: 'VCCY', platformGroupId: 'CRYPTO_CURR', leverage: 5 },
};

/**
 * The instrument document of `/v1/instruments/{CODE}`, as the text the server sends: same key order as the
 * real service, `pipValue` printed as a Java double (`1.0E-4`, `1.0`).
 */
export function instrumentDocumentText(inst: SimInstrument): string {
  const g = GROUPS[inst.market === 'fx' && !inst.name.includes('USD') ? 'fxCross' : inst.market];
  const from = inst.minuteFrom;
  const head = { name: inst.name, code: inst.code };
  const tail = {
    priceScale: inst.priceScale,
    description: inst.description,
    countryCode: inst.countryCode,
    groupId: g.groupId,
    groupCode: g.groupCode,
    platformGroupId: g.platformGroupId,
    sectorIds: [],
    contractSize: inst.market === 'fx' ? 1 : null,
    defaultTimezone: inst.timezone,
    holidays: [],
    tradeSchedule: tradeSchedule(inst),
    histories: [
      { period: 'TICK', from },
      { period: 'MINUTE', from },
      { period: 'HOUR', from: Math.floor(from / 3_600_000) * 3_600_000 },
      { period: 'DAY', from: Math.floor(from / DAY_MS) * DAY_MS },
    ],
    leverage: g.leverage,
    rating: 1000 + SIM_INSTRUMENTS.indexOf(inst),
  };
  return `${JSON.stringify(head).slice(0, -1)},"pipValue":${formatJavaDouble(inst.pipValue)},${JSON.stringify(tail).slice(1)}`;
}

/** The instrument document as an object (what a client gets from `JSON.parse` of the served text). */
export function instrumentDocument(inst: SimInstrument): Record<string, unknown> {
  return JSON.parse(instrumentDocumentText(inst)) as Record<string, unknown>;
}
