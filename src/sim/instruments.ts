// The `sim` instrument catalogue: every instrument the local protocol server knows (58: FX majors, crosses
// and exotics, metals, energy/metal/agricultural commodities, indices of three continents, crypto), with a
// realistic price level, decimals (`priceScale`, multiplier = 10^-priceScale), per-minute volatility, volume
// scale, trading hours and holidays, and the instrument document served at `/v1/instruments/{CODE}`, shaped
// key for key like the real service's (test/fixtures/dukascopy/instrument-*.json).
//
// The document is the truth: the generator emits candles only inside the document's trading time
// (dukascopy/schedule.ts reads its tradeSchedule in its defaultTimezone, minus its holidays, from its MINUTE
// history on), so documents and data always agree.
//
// Trading hours:
// - `fx-ny` (FX and metals added with the catalogue, like the real service): Sunday 17:00 → Friday 17:00
//   New York, written as the real EUR/USD document writes it (MONDAY from 17:00 of the previous day …).
// - `cme` (energy and industrial metals): Sunday 18:00 → Friday 17:00 New York with a daily 17:00–18:00 break.
// - `exchange` (indices, soft commodities): the exchange's session(s) Monday–Friday in its own time zone.
// - `always` (crypto): 24/7, written like the real BTC/USD document.
// - `fx-week`: the first twenty instruments (EUR/USD … ETH/USD, FX, metals and oil) keep the hours the sim
//   has always served, Sunday 22:00 → Friday 22:00 UTC all year, written in UTC; existing tests and
//   benchmarks are built on those candle streams (only their documents gained holidays, up to New Year 2020,
//   outside every test's and benchmark's days).
// Holidays: Christmas and New Year (and Boxing Day for European and Australian exchanges) of every year
// from the first minute of data to 2030, in the instrument's own hours: FX closes 17:00 New York on
// 24 and 31 December and reopens 17:00 the next day; exchanges close the whole local day; crypto pauses on
// New Year's Eve 15:00 → New Year's Day 14:00 UTC (as the real BTC/USD document shows).
import { CandleError } from '../errors.js';
import { assertSymbol } from '../config/symbols.js';
import { symbolFileName } from '../dukascopy/symbolCode.js';
import type { InstrumentDocument, ScheduleSession, WeekdayName } from '../dukascopy/instrument.js';
import { WEEKDAY_NAMES } from '../dukascopy/instrument.js';
import { dayMinuteIntervals } from '../dukascopy/schedule.js';
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
  | { kind: 'fx-ny' }
  | { kind: 'cme' }
  | { kind: 'always' }
  | { kind: 'exchange'; timezone: string; sessions: readonly LocalSession[] };

export type GroupCode =
  | 'FX_MAJORS' | 'FX_CROSSES' | 'FX_METALS' | 'CMD_ENERGY' | 'CMD_METALS' | 'CMD_AGRICULTURAL'
  | 'IDX_AMERICA' | 'IDX_EUROPE' | 'IDX_ASIA' | 'VCCY';

export interface SimInstrument {
  /** symbols.txt name, e.g. `EUR/USD`. */
  name: string;
  /** URL form, e.g. `EUR-USD`. */
  code: string;
  description: string;
  market: Market;
  group: GroupCode;
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
  /** The document (as an object; the served text is instrumentDocumentText). */
  doc: InstrumentDocument;
}

const FX: TradingHours = { kind: 'fx-week' };
const NY: TradingHours = { kind: 'fx-ny' };
const CME: TradingHours = { kind: 'cme' };
const ALWAYS: TradingHours = { kind: 'always' };
const exchange = (timezone: string, ...sessions: [string, string][]): TradingHours => ({
  kind: 'exchange',
  timezone,
  sessions: sessions.map(([start, end]) => ({ start, end })),
});

const FX_FROM = Date.UTC(2003, 4, 4, 19); // the real EUR/USD MINUTE history start
const METAL_FROM = Date.UTC(2003, 4, 4, 19);
const CROSS_FROM = Date.UTC(2004, 0, 4, 22);
const EXOTIC_FROM = Date.UTC(2007, 2, 25, 21);
const CFD_FROM = Date.UTC(2012, 0, 1);
const CFD2_FROM = Date.UTC(2016, 7, 1);
const BTC_FROM = Date.UTC(2017, 4, 7, 23);
const ETH_FROM = Date.UTC(2019, 0, 1);
const ALT_FROM = Date.UTC(2021, 8, 25);

type Row = [name: string, description: string, market: Market, group: GroupCode, country: string, price: number, scale: number, pip: number, vol: number, volume: number, volumeDecimals: number, hours: TradingHours, from: number];

// The first 20 rows are the sim's original catalogue: their candle streams must not change (see above).
// prettier-ignore
const ROWS: Row[] = [
  ['EUR/USD', 'Euro vs US Dollar', 'fx', 'FX_MAJORS', 'DE', 1.14, 5, 1e-4, 6e-5, 80, 2, FX, FX_FROM],
  ['GBP/USD', 'Pound Sterling vs US Dollar', 'fx', 'FX_MAJORS', 'GB', 1.34, 5, 1e-4, 7e-5, 60, 2, FX, FX_FROM],
  ['USD/JPY', 'US Dollar vs Japanese Yen', 'fx', 'FX_MAJORS', 'US', 147.5, 3, 0.01, 7e-5, 70, 2, FX, FX_FROM],
  ['AUD/USD', 'Australian Dollar vs US Dollar', 'fx', 'FX_MAJORS', 'AU', 0.66, 5, 1e-4, 8e-5, 40, 2, FX, FX_FROM],
  ['USD/CHF', 'US Dollar vs Swiss Franc', 'fx', 'FX_MAJORS', 'US', 0.8, 5, 1e-4, 6e-5, 35, 2, FX, FX_FROM],
  ['USD/CAD', 'US Dollar vs Canadian Dollar', 'fx', 'FX_MAJORS', 'US', 1.37, 5, 1e-4, 5e-5, 40, 2, FX, FX_FROM],
  ['NZD/USD', 'New Zealand Dollar vs US Dollar', 'fx', 'FX_MAJORS', 'NZ', 0.6, 5, 1e-4, 8e-5, 20, 2, FX, FX_FROM],
  ['EUR/GBP', 'Euro vs Pound Sterling', 'fx', 'FX_CROSSES', 'DE', 0.86, 5, 1e-4, 5e-5, 30, 2, FX, FX_FROM],
  ['EUR/JPY', 'Euro vs Japanese Yen', 'fx', 'FX_CROSSES', 'DE', 168, 3, 0.01, 7e-5, 35, 2, FX, FX_FROM],
  ['XAU/USD', 'Gold vs US Dollar', 'metal', 'FX_METALS', 'US', 3300, 3, 0.01, 1.5e-4, 0.08, 4, FX, METAL_FROM],
  ['XAG/USD', 'Silver vs US Dollar', 'metal', 'FX_METALS', 'US', 36.5, 3, 0.01, 2.5e-4, 0.6, 4, FX, METAL_FROM],
  ['BRENT.CMD/USD', 'Brent Crude Oil', 'commodity', 'CMD_ENERGY', 'GB', 70, 3, 0.01, 2.5e-4, 0.9, 4, FX, CFD_FROM],
  ['LIGHT.CMD/USD', 'US Light Crude Oil', 'commodity', 'CMD_ENERGY', 'US', 67, 3, 0.01, 2.5e-4, 1.1, 4, FX, CFD_FROM],
  ['USA500.IDX/USD', 'USA 500 Index', 'index', 'IDX_AMERICA', 'US', 6200, 3, 1, 1.2e-4, 0.05, 4, exchange('America/New_York', ['09:30', '16:00']), CFD_FROM],
  ['DEU.IDX/EUR', 'Germany 40 Index', 'index', 'IDX_EUROPE', 'DE', 24000, 3, 1, 1.3e-4, 0.03, 4, exchange('Europe/Berlin', ['09:00', '17:30']), CFD_FROM],
  ['AUS.IDX/AUD', 'Australia 200 Index', 'index', 'IDX_ASIA', 'AU', 8600, 3, 1, 1.1e-4, 0.02, 4, exchange('Australia/Sydney', ['10:00', '16:00']), CFD_FROM],
  ['JPN.IDX/JPY', 'Japan 225 Index', 'index', 'IDX_ASIA', 'JP', 39500, 3, 1, 1.5e-4, 0.02, 4, exchange('Asia/Tokyo', ['09:00', '11:30'], ['12:30', '15:30']), CFD_FROM],
  ['GBR.IDX/GBP', 'UK 100 Index', 'index', 'IDX_EUROPE', 'GB', 8900, 3, 1, 1e-4, 0.03, 4, exchange('Europe/London', ['08:00', '16:30']), CFD_FROM],
  ['BTC/USD', 'Bitcoin vs US Dollar', 'crypto', 'VCCY', 'US', 63700, 1, 1, 4e-4, 2e-4, 6, ALWAYS, BTC_FROM],
  ['ETH/USD', 'Ether vs US Dollar', 'crypto', 'VCCY', 'US', 3400, 2, 0.1, 6e-4, 3e-3, 6, ALWAYS, ETH_FROM],
  // FX crosses
  ['EUR/CHF', 'Euro vs Swiss Franc', 'fx', 'FX_CROSSES', 'DE', 0.94, 5, 1e-4, 4e-5, 25, 2, NY, CROSS_FROM],
  ['EUR/AUD', 'Euro vs Australian Dollar', 'fx', 'FX_CROSSES', 'DE', 1.74, 5, 1e-4, 7e-5, 20, 2, NY, CROSS_FROM],
  ['EUR/CAD', 'Euro vs Canadian Dollar', 'fx', 'FX_CROSSES', 'DE', 1.57, 5, 1e-4, 6e-5, 18, 2, NY, CROSS_FROM],
  ['EUR/NZD', 'Euro vs New Zealand Dollar', 'fx', 'FX_CROSSES', 'DE', 1.9, 5, 1e-4, 8e-5, 12, 2, NY, CROSS_FROM],
  ['GBP/JPY', 'Pound Sterling vs Japanese Yen', 'fx', 'FX_CROSSES', 'GB', 197.5, 3, 0.01, 8e-5, 30, 2, NY, CROSS_FROM],
  ['GBP/CHF', 'Pound Sterling vs Swiss Franc', 'fx', 'FX_CROSSES', 'GB', 1.08, 5, 1e-4, 6e-5, 15, 2, NY, CROSS_FROM],
  ['GBP/AUD', 'Pound Sterling vs Australian Dollar', 'fx', 'FX_CROSSES', 'GB', 2.03, 5, 1e-4, 8e-5, 12, 2, NY, CROSS_FROM],
  ['AUD/JPY', 'Australian Dollar vs Japanese Yen', 'fx', 'FX_CROSSES', 'AU', 97.3, 3, 0.01, 8e-5, 20, 2, NY, CROSS_FROM],
  ['AUD/NZD', 'Australian Dollar vs New Zealand Dollar', 'fx', 'FX_CROSSES', 'AU', 1.09, 5, 1e-4, 5e-5, 10, 2, NY, CROSS_FROM],
  ['AUD/CAD', 'Australian Dollar vs Canadian Dollar', 'fx', 'FX_CROSSES', 'AU', 0.9, 5, 1e-4, 6e-5, 10, 2, NY, CROSS_FROM],
  ['CAD/JPY', 'Canadian Dollar vs Japanese Yen', 'fx', 'FX_CROSSES', 'CA', 107.6, 3, 0.01, 7e-5, 12, 2, NY, CROSS_FROM],
  ['CHF/JPY', 'Swiss Franc vs Japanese Yen', 'fx', 'FX_CROSSES', 'CH', 184.2, 3, 0.01, 7e-5, 12, 2, NY, CROSS_FROM],
  ['NZD/JPY', 'New Zealand Dollar vs Japanese Yen', 'fx', 'FX_CROSSES', 'NZ', 88.5, 3, 0.01, 8e-5, 10, 2, NY, CROSS_FROM],
  // FX exotics
  ['USD/TRY', 'US Dollar vs Turkish Lira', 'fx', 'FX_CROSSES', 'US', 40.6, 5, 1e-4, 9e-5, 5, 2, NY, EXOTIC_FROM],
  ['USD/ZAR', 'US Dollar vs South African Rand', 'fx', 'FX_CROSSES', 'US', 17.7, 5, 1e-4, 1e-4, 6, 2, NY, EXOTIC_FROM],
  ['USD/MXN', 'US Dollar vs Mexican Peso', 'fx', 'FX_CROSSES', 'US', 18.7, 5, 1e-4, 9e-5, 8, 2, NY, EXOTIC_FROM],
  ['USD/SGD', 'US Dollar vs Singapore Dollar', 'fx', 'FX_CROSSES', 'US', 1.28, 5, 1e-4, 4e-5, 6, 2, NY, EXOTIC_FROM],
  ['USD/HKD', 'US Dollar vs Hong Kong Dollar', 'fx', 'FX_CROSSES', 'US', 7.85, 5, 1e-4, 1e-5, 6, 2, NY, EXOTIC_FROM],
  ['USD/NOK', 'US Dollar vs Norwegian Krone', 'fx', 'FX_CROSSES', 'US', 10.1, 5, 1e-4, 8e-5, 6, 2, NY, EXOTIC_FROM],
  ['USD/SEK', 'US Dollar vs Swedish Krona', 'fx', 'FX_CROSSES', 'US', 9.5, 5, 1e-4, 8e-5, 6, 2, NY, EXOTIC_FROM],
  ['USD/PLN', 'US Dollar vs Polish Zloty', 'fx', 'FX_CROSSES', 'US', 3.65, 5, 1e-4, 8e-5, 6, 2, NY, EXOTIC_FROM],
  ['EUR/TRY', 'Euro vs Turkish Lira', 'fx', 'FX_CROSSES', 'DE', 47.4, 5, 1e-4, 9e-5, 4, 2, NY, EXOTIC_FROM],
  ['USD/CNH', 'US Dollar vs Offshore Chinese Renminbi', 'fx', 'FX_CROSSES', 'US', 7.18, 5, 1e-4, 3e-5, 6, 2, NY, CFD2_FROM],
  // commodities
  ['GAS.CMD/USD', 'Natural Gas', 'commodity', 'CMD_ENERGY', 'US', 3.4, 4, 1e-3, 4e-4, 1.5, 4, CME, CFD_FROM],
  ['COPPER.CMD/USD', 'High Grade Copper', 'commodity', 'CMD_METALS', 'US', 4.6, 4, 1e-3, 2e-4, 0.7, 4, CME, CFD2_FROM],
  ['XPT.CMD/USD', 'Platinum', 'commodity', 'CMD_METALS', 'US', 1050, 3, 0.01, 2.5e-4, 0.05, 4, CME, CFD2_FROM],
  ['COCOA.CMD/USD', 'NY Cocoa', 'commodity', 'CMD_AGRICULTURAL', 'US', 8200, 2, 1, 3e-4, 0.04, 4, exchange('America/New_York', ['04:45', '13:30']), CFD2_FROM],
  ['SUGAR.CMD/USD', 'Sugar No. 11', 'commodity', 'CMD_AGRICULTURAL', 'US', 0.165, 5, 1e-4, 2.5e-4, 2, 4, exchange('America/New_York', ['03:30', '13:00']), CFD2_FROM],
  // indices
  ['USATECH.IDX/USD', 'USA 100 Technical Index', 'index', 'IDX_AMERICA', 'US', 22500, 3, 1, 1.5e-4, 0.04, 4, exchange('America/New_York', ['09:30', '16:00']), CFD_FROM],
  ['USA30.IDX/USD', 'USA 30 Index', 'index', 'IDX_AMERICA', 'US', 44000, 3, 1, 1.1e-4, 0.03, 4, exchange('America/New_York', ['09:30', '16:00']), CFD_FROM],
  ['FRA.IDX/EUR', 'France 40 Index', 'index', 'IDX_EUROPE', 'FR', 7800, 3, 1, 1.2e-4, 0.03, 4, exchange('Europe/Paris', ['09:00', '17:30']), CFD_FROM],
  ['EUS.IDX/EUR', 'Euro Stoxx 50 Index', 'index', 'IDX_EUROPE', 'DE', 5300, 3, 1, 1.2e-4, 0.03, 4, exchange('Europe/Berlin', ['09:00', '17:30']), CFD_FROM],
  ['ESP.IDX/EUR', 'Spain 35 Index', 'index', 'IDX_EUROPE', 'ES', 14000, 3, 1, 1.2e-4, 0.02, 4, exchange('Europe/Madrid', ['09:00', '17:30']), CFD_FROM],
  ['CHE.IDX/CHF', 'Switzerland 20 Index', 'index', 'IDX_EUROPE', 'CH', 12000, 3, 1, 1e-4, 0.02, 4, exchange('Europe/Zurich', ['09:00', '17:30']), CFD_FROM],
  ['HKG.IDX/HKD', 'Hong Kong 40 Index', 'index', 'IDX_ASIA', 'HK', 24500, 3, 1, 1.5e-4, 0.02, 4, exchange('Asia/Hong_Kong', ['09:30', '12:00'], ['13:00', '16:00']), CFD_FROM],
  // crypto
  ['LTC/USD', 'Litecoin vs US Dollar', 'crypto', 'VCCY', 'US', 88, 2, 0.1, 7e-4, 0.05, 6, ALWAYS, ETH_FROM],
  ['BCH/USD', 'Bitcoin Cash vs US Dollar', 'crypto', 'VCCY', 'US', 510, 2, 0.1, 7e-4, 0.01, 6, ALWAYS, ETH_FROM],
  ['SOL/USD', 'Solana vs US Dollar', 'crypto', 'VCCY', 'US', 180, 2, 0.1, 8e-4, 0.03, 6, ALWAYS, ALT_FROM],
  ['ADA/USD', 'Cardano vs US Dollar', 'crypto', 'VCCY', 'US', 0.72, 4, 1e-3, 8e-4, 20, 6, ALWAYS, ALT_FROM],
];

/** The rows whose candle streams predate the catalogue (see the header): holidays only before this. */
const ORIGINAL_ROWS = 20;
const ORIGINAL_HOLIDAYS_BEFORE = 2020; // the last is New Year 2020
const LAST_HOLIDAY_YEAR = 2030;

const MON_FRI = WEEKDAY_NAMES.slice(0, 5);

const GROUPS: Record<GroupCode, { groupId: number; platformGroupId: string; leverage: number | null }> = {
  FX_MAJORS: { groupId: 18, platformGroupId: 'FX_MAJOR', leverage: null },
  FX_CROSSES: { groupId: 19, platformGroupId: 'FX_CROSS', leverage: null },
  FX_METALS: { groupId: 7, platformGroupId: 'METALS', leverage: null },
  CMD_ENERGY: { groupId: 13, platformGroupId: 'CFD_COMMODITIES', leverage: 10 },
  CMD_METALS: { groupId: 14, platformGroupId: 'CFD_COMMODITIES', leverage: 10 },
  CMD_AGRICULTURAL: { groupId: 12, platformGroupId: 'CFD_COMMODITIES', leverage: 10 },
  IDX_AMERICA: { groupId: 15, platformGroupId: 'CFD_INDICES', leverage: 20 },
  IDX_EUROPE: { groupId: 16, platformGroupId: 'CFD_INDICES', leverage: 20 },
  IDX_ASIA: { groupId: 17, platformGroupId: 'CFD_INDICES', leverage: 20 },
  VCCY: { groupId: 9, platformGroupId: 'CRYPTO_CURR', leverage: 5 },
};

function zoneOf(hours: TradingHours): string {
  switch (hours.kind) {
    case 'exchange': return hours.timezone;
    case 'fx-ny':
    case 'cme': return 'America/New_York';
    default: return 'UTC';
  }
}

export const SIM_INSTRUMENTS: readonly SimInstrument[] = Object.freeze(
  ROWS.map(([name, description, market, group, countryCode, price, priceScale, pipValue, volPerMinute, volumeScale, volumeDecimals, hours, minuteFrom], index) => {
    assertSymbol(name, 'sim instrument catalog');
    const inst = {
      name,
      code: symbolFileName(name),
      description,
      market,
      group,
      countryCode,
      priceScale,
      multiplier: 1 / 10 ** priceScale,
      pipValue,
      price,
      volPerMinute,
      volumeScale,
      volumeDecimals,
      timezone: zoneOf(hours),
      hours,
      minuteFrom,
    };
    const holidaysBefore = index < ORIGINAL_ROWS ? ORIGINAL_HOLIDAYS_BEFORE : LAST_HOLIDAY_YEAR + 1;
    return Object.freeze({ ...inst, doc: buildDocument(inst, index, holidaysBefore) });
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
 * flattened (`[s0, e0, s1, e1, …]`): the document's schedule minus its holidays, from its MINUTE history.
 */
export function tradingIntervals(inst: SimInstrument, dayMs: number): readonly number[] {
  const key = `${inst.code}|${dayMs}`;
  let cached = intervalCache.get(key);
  if (cached === undefined) {
    cached = dayMinuteIntervals(inst.doc, dayMs);
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

// ------------------------------------------------------------------------------------------ document

type Sessions = Partial<Record<WeekdayName, ScheduleSession[]>>;

function everyDay(days: readonly WeekdayName[], make: () => ScheduleSession[]): Sessions {
  return Object.fromEntries(days.map((d) => [d, make()]));
}

function tradeSchedule(hours: TradingHours, timezone: string, groupId: number): InstrumentDocument['tradeSchedule'] {
  const zoneId = timezone.replaceAll('/', '_');
  switch (hours.kind) {
    case 'always':
      // Written like the real BTC/USD document: every day, 24 hours.
      return [{ id: 'ALL', from: 0, to: null, sessions: everyDay(WEEKDAY_NAMES, () => [{ start: '00:00:00', previousDayStart: true, end: '00:00:00', previousDayEnd: false }]) }];
    case 'fx-week':
      // Monday's session starts Sunday 22:00 UTC, …, Friday's ends Friday 22:00 UTC.
      return [{ id: `trade-${groupId}-UTC`, from: 0, to: null, sessions: everyDay(MON_FRI, () => [{ start: '22:00:00', previousDayStart: true, end: '22:00:00', previousDayEnd: false }]) }];
    case 'fx-ny':
      // Exactly as the real EUR/USD document: Sunday 17:00 New York opens Monday's session.
      return [{ id: 'trade-147-America_New_York', from: 10800000, to: null, sessions: everyDay(MON_FRI, () => [{ start: '17:00:00', previousDayStart: true, end: '17:00:00', previousDayEnd: false }]) }];
    case 'cme':
      return [{ id: `trade-${groupId}-${zoneId}`, from: 0, to: null, sessions: everyDay(MON_FRI, () => [{ start: '18:00:00', previousDayStart: true, end: '17:00:00', previousDayEnd: false }]) }];
    case 'exchange':
      return [{
        id: `trade-${groupId}-${zoneId}`,
        from: 0,
        to: null,
        sessions: everyDay(MON_FRI, () => hours.sessions.map((s) => ({ start: `${s.start}:00`, previousDayStart: false, end: `${s.end}:00`, previousDayEnd: false }))),
      }];
  }
}

/** Christmas and New Year closures (see the header), as UTC `{from, till}`, for years [firstYear, beforeYear). */
function holidays(hours: TradingHours, timezone: string, firstYear: number, beforeYear: number): { from: number; till: number }[] {
  const out: { from: number; till: number }[] = [];
  const local = (y: number, m: number, d: number, hh = 0, mm = 0) => zonedToUtc(timezone, Date.UTC(y, m, d, hh, mm));
  for (let y = firstYear; y < beforeYear; y++) {
    switch (hours.kind) {
      case 'always':
        out.push({ from: Date.UTC(y, 11, 31, 15), till: Date.UTC(y + 1, 0, 1, 14) });
        break;
      case 'fx-week':
        out.push({ from: Date.UTC(y, 11, 24, 22), till: Date.UTC(y, 11, 25, 22) }, { from: Date.UTC(y, 11, 31, 22), till: Date.UTC(y + 1, 0, 1, 22) });
        break;
      case 'fx-ny':
      case 'cme':
        out.push({ from: local(y, 11, 24, 17), till: local(y, 11, 25, 17) }, { from: local(y, 11, 31, 17), till: local(y + 1, 0, 1, 17) });
        break;
      case 'exchange': {
        const boxing = /^(?:Europe|Australia)\//.test(timezone);
        out.push({ from: local(y, 11, 25), till: local(y, 11, boxing ? 27 : 26) }, { from: local(y + 1, 0, 1), till: local(y + 1, 0, 2) });
        break;
      }
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

function buildDocument(inst: Omit<SimInstrument, 'doc'>, index: number, holidaysBefore: number): InstrumentDocument {
  const g = GROUPS[inst.group];
  const from = inst.minuteFrom;
  const firstYear = new Date(from).getUTCFullYear();
  // Key order and every field exactly as the real documents (test/fixtures/dukascopy/instrument-*.json).
  return {
    name: inst.name,
    code: inst.code,
    pipValue: inst.pipValue,
    priceScale: inst.priceScale,
    description: inst.description,
    countryCode: inst.countryCode,
    groupId: g.groupId,
    groupCode: inst.group,
    platformGroupId: g.platformGroupId,
    sectorIds: [],
    contractSize: inst.market === 'fx' ? 1 : null,
    defaultTimezone: inst.timezone,
    holidays: holidays(inst.hours, inst.timezone, firstYear, holidaysBefore),
    tradeSchedule: tradeSchedule(inst.hours, inst.timezone, g.groupId),
    histories: [
      { period: 'TICK', from },
      { period: 'MINUTE', from },
      { period: 'HOUR', from: Math.floor(from / 3_600_000) * 3_600_000 },
      { period: 'DAY', from: Math.floor(from / DAY_MS) * DAY_MS },
    ],
    leverage: g.leverage,
    rating: 1000 + index,
  } as InstrumentDocument;
}

/**
 * The instrument document of `/v1/instruments/{CODE}`, as the text the server sends: same key order as the
 * real service, `pipValue` printed as a Java double (`1.0E-4`, `1.0`).
 */
export function instrumentDocumentText(inst: SimInstrument): string {
  const { name, code, pipValue: _pip, ...tail } = inst.doc as InstrumentDocument & Record<string, unknown>;
  return `${JSON.stringify({ name, code }).slice(0, -1)},"pipValue":${formatJavaDouble(inst.pipValue)},${JSON.stringify(tail).slice(1)}`;
}

/** The instrument document as an object (what a client gets from `JSON.parse` of the served text). */
export function instrumentDocument(inst: SimInstrument): Record<string, unknown> {
  return JSON.parse(instrumentDocumentText(inst)) as Record<string, unknown>;
}
