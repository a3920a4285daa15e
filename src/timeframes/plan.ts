// From the config to one symbol's resample plan: its timeframes in dependency order (global cascade, then
// `resample.symbols` patterns applied less specific first), its session (most specific `sessions` pattern
// wins) and its store time shift. Cross-checks the zod schema cannot do alone (unknown sources, rules that do
// not nest, cycles, skipping a timeframe others are built from, overlapping session ranges) raise a
// ConfigError naming the key. Runs at config load (validateResampleConfig) and again per symbol at the stage,
// where patterns meet real names. Trade-off: skipping a timeframe others depend on is refused rather than
// silently skipping its dependents, so a config never drops more than it says.
import { ConfigError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { matchingPatterns, resolveSymbolSettings, type ShiftRule } from '../config/symbolSettings.js';
import { parseDay } from '../util/dates.js';
import { timeframeDefinitions, type Definition } from '../config/definitions.js';
import { definitionFingerprint } from '../store/definition.js';
import { BASE_RULE, BASE_TIMEFRAME, parseRule, ruleNests, ruleText, type Rule, type TimeframeDef } from './rules.js';

export interface SessionRangeSpec {
  /** Local minutes from midnight where the range starts (also the origin written into its bars). */
  fromMin: number;
  /** Local minutes from midnight where it ends (1440 = 24:00); on the next day when `wrap`. */
  toMin: number;
  /** from ≥ to: the range starts the day before its session date and ends on it. */
  wrap: boolean;
  /** Bit (isoWeekday − 1) set = active on session dates of that weekday. */
  weekdayMask: number;
  /** First and last session date (epoch ms of 00:00 UTC of the date label), inclusive. */
  fromDate: number;
  toDate: number;
  /** Config key, for messages. */
  key: string;
}

export interface SessionSpec {
  /** `sessions.<pattern>` */
  key: string;
  zone: string;
  /** Sorted by local start (wrapping ranges first). */
  ranges: SessionRangeSpec[];
}

export interface TimeframePlan {
  name: string;
  rule: Rule;
  source: string;
  /** Config key that defined it, for messages. */
  key: string;
  /** CRC-32 of everything its bytes depend on (rule, source chain, session, shift); stored in its index. */
  fingerprint: number;
  /** What the fingerprint is of (config/definitions.ts), recorded in the timeframe's definition file. */
  definition: Definition;
}

export interface SymbolPlan {
  symbol: string;
  /** Dependency order: every timeframe after its source. */
  timeframes: TimeframePlan[];
  /** undefined: no session, bars align to the store time axis. */
  session: SessionSpec | undefined;
  shift: ShiftRule;
}

const ALL_WEEKDAYS = 0x7f;

/** Check the whole resample and sessions config once it is merged; `where` names the files in the error. */
export function validateResampleConfig(config: Config, where?: string): void {
  try {
    resolveTimeframes(config, undefined);
    for (const pattern of Object.keys(config.resample.symbols)) resolveTimeframes(config, pattern);
    for (const [pattern, s] of Object.entries(config.sessions)) if (s && s !== 'auto') sessionSpec(pattern, s);
  } catch (err) {
    if (err instanceof ConfigError && where !== undefined && err.file === undefined) throw new ConfigError(err.message, where, err.code);
    throw err;
  }
}

/** The plan of one symbol. Throws ConfigError. */
export function resolveSymbolPlan(config: Config, symbol: string): SymbolPlan {
  const shift = resolveSymbolSettings(config.transform.symbols, symbol).shift;
  const session = resolveSession(config, symbol);
  const timeframes = resolveTimeframes(config, symbol);
  // The fingerprint is the CRC of the definition recorded beside the store (config/definitions.ts).
  const definitions = timeframeDefinitions(config, symbol, timeframes.map((e) => e.def));
  // Each definition holds its source's: written once each, not once per timeframe above it.
  const memo = new WeakMap<object, string>();
  const plans = timeframes.map(({ def, key }) => {
    const definition = definitions.get(def.name)!;
    return { name: def.name, rule: parseRule(def.rule)!, source: def.source, key, fingerprint: definitionFingerprint(definition, memo), definition };
  });
  return { symbol, timeframes: plans, session, shift };
}

interface Entry {
  def: TimeframeDef;
  key: string;
}

/** The timeframes of `symbol` (undefined: the global list alone) in dependency order, validated. */
function resolveTimeframes(config: Config, symbol: string | undefined): Entry[] {
  let list: Entry[] = [];
  const add = (defs: readonly TimeframeDef[], prefix: string) => {
    const names = new Map<string, string>();
    defs.forEach((def, i) => {
      const key = `${prefix}.${i}`;
      const folded = def.name.toLowerCase();
      if (names.has(folded)) throw new ConfigError(`${key}.name: timeframe ${def.name} is already defined at ${names.get(folded)} (names must differ in more than letter case: they are directory names)`);
      names.set(folded, key);
      if (def.name === BASE_TIMEFRAME) throw new ConfigError(`${key}.name: ${BASE_TIMEFRAME} is the aggregate store's timeframe; give the resampled timeframe another name`);
      const at = list.findIndex((e) => e.def.name === def.name);
      const clash = list.findIndex((e) => e.def.name !== def.name && e.def.name.toLowerCase() === folded);
      if (clash >= 0) throw new ConfigError(`${key}.name: ${def.name} differs from ${list[clash].def.name} (${list[clash].key}) only in letter case; timeframe names are directory names`);
      if (at >= 0) list[at] = { def, key };
      else list.push({ def, key });
    });
  };
  add(config.resample.timeframes, 'resample.timeframes');
  const skipped = new Map<string, string>();
  if (symbol !== undefined) {
    for (const [pattern, entry] of matchingPatterns(config.resample.symbols, symbol)) {
      const prefix = `resample.symbols.${pattern}`;
      add(entry.timeframes, `${prefix}.timeframes`);
      for (const def of entry.timeframes) skipped.delete(def.name);
      for (const name of entry.skip_timeframes) {
        if (!list.some((e) => e.def.name === name) && !skipped.has(name)) {
          throw new ConfigError(`${prefix}.skip_timeframes: unknown timeframe ${name} (known: ${list.map((e) => e.def.name).join(', ')})`);
        }
        list = list.filter((e) => e.def.name !== name);
        skipped.set(name, `${prefix}.skip_timeframes`);
      }
    }
  }
  const byName = new Map(list.map((e) => [e.def.name, e]));
  for (const e of list) {
    const { def, key } = e;
    const skippedAt = skipped.get(def.source);
    if (skippedAt !== undefined) throw new ConfigError(`${skippedAt}: skipping ${def.source} leaves ${def.name} (${key}) without its source; skip ${def.name} too, or give it another source`);
    const rule = parseRule(def.rule);
    if (!rule) throw new ConfigError(`${key}.rule: ${JSON.stringify(def.rule)} is not a rule`);
    if (def.source === def.name) throw new ConfigError(`${key}.source: ${def.name} cannot be built from itself (cycle)`);
    const source = def.source === BASE_TIMEFRAME ? { def: { name: BASE_TIMEFRAME, rule: ruleText(BASE_RULE) }, key: 'the aggregate store' } : byName.get(def.source);
    if (!source) throw new ConfigError(`${key}.source: unknown timeframe ${def.source} (known: ${[BASE_TIMEFRAME, ...byName.keys()].join(', ')})`);
    const sourceRule = parseRule(source.def.rule)!;
    if (!ruleNests(rule, sourceRule)) {
      const why = rule.kind === 'intraday' && sourceRule.kind === 'intraday'
        ? `${def.rule} is not a whole multiple of ${source.def.rule}`
        : `${def.rule} bars cannot be built from ${source.def.rule} bars (a ${source.def.rule} bar would straddle two ${def.rule} bars)`;
      throw new ConfigError(`${key}.rule: rule ${def.rule} does not divide into its source ${def.source} (rule ${source.def.rule}): ${why}`);
    }
  }
  return dependencyOrder(list, byName);
}

/** Depth-first: sources before their dependents, otherwise in list order. A cycle is a ConfigError. */
function dependencyOrder(list: Entry[], byName: Map<string, Entry>): Entry[] {
  const out: Entry[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (e: Entry, path: string[]) => {
    const s = state.get(e.def.name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(e.def.name)), e.def.name];
      throw new ConfigError(`${e.key}.source: cycle ${cycle.join(' ← ')}`);
    }
    state.set(e.def.name, 'visiting');
    const src = byName.get(e.def.source);
    if (src) visit(src, [...path, e.def.name]);
    state.set(e.def.name, 'done');
    out.push(e);
  };
  for (const e of list) visit(e, []);
  return out;
}

function resolveSession(config: Config, symbol: string): SessionSpec | undefined {
  const matching = matchingPatterns(config.sessions, symbol);
  if (matching.length === 0) return undefined;
  const [pattern, s] = matching[matching.length - 1];
  // `auto` is replaced with the instrument's session before any plan is made (pipeline/instruments.ts).
  if (s === 'auto') throw new ConfigError(`sessions."${pattern}": auto for ${symbol} is resolved from its instrument document (cache/instruments), which this command did not load: run \`candlestore run\` first`);
  return s ? sessionSpec(pattern, s) : undefined;
}

type SessionConfig = Exclude<NonNullable<Config['sessions'][string]>, 'auto'>;

function sessionSpec(pattern: string, s: SessionConfig): SessionSpec {
  const key = `sessions.${pattern}`;
  const ranges = s.ranges.map((r, i): SessionRangeSpec => {
    const fromMin = minutesOf(r.from);
    const toMin = minutesOf(r.to);
    let weekdayMask = ALL_WEEKDAYS;
    if (r.weekdays) weekdayMask = r.weekdays.reduce((m, d) => m | (1 << (d - 1)), 0);
    return {
      fromMin, toMin, wrap: fromMin >= toMin, weekdayMask,
      fromDate: r.from_date === undefined ? -8.64e15 : parseDay(r.from_date),
      toDate: r.to_date === undefined ? 8.64e15 : parseDay(r.to_date),
      key: `${key}.ranges.${i}`,
    };
  });
  ranges.sort((a, b) => startOf(a) - startOf(b));
  checkOverlaps(ranges);
  return { key, zone: s.timezone, ranges };
}

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Local start relative to the session date's midnight (negative for a wrapping range). */
function startOf(r: SessionRangeSpec): number {
  return r.fromMin - (r.wrap ? 1440 : 0);
}

/**
 * Two ranges whose session dates can coincide (or be neighbours) must not share a minute: checked on the
 * minute grid of three consecutive dates for every weekday both are active on. A date filter that keeps two
 * ranges apart makes them compatible; the resampler checks again on real dates.
 */
function checkOverlaps(ranges: SessionRangeSpec[]): void {
  for (let a = 0; a < ranges.length; a++) {
    for (let b = 0; b < ranges.length; b++) {
      const ra = ranges[a];
      const rb = ranges[b];
      if (a === b || ra.fromDate > rb.toDate + 86_400_000 || rb.fromDate > ra.toDate + 86_400_000) continue;
      for (let wd = 0; wd < 7; wd++) {
        if (!(ra.weekdayMask & (1 << wd))) continue;
        for (const d of a < b ? [0, 1] : [1]) {
          if (!(rb.weekdayMask & (1 << ((wd + d) % 7)))) continue;
          const aStart = startOf(ra);
          const bStart = d * 1440 + startOf(rb);
          if (aStart < bStart + (rb.toMin - startOf(rb)) && bStart < ra.toMin) {
            throw new ConfigError(`${rb.key}: overlaps ${ra.key} (${hhmm(ra)} and ${hhmm(rb)}${d ? ' on the next session date' : ''}); ranges of a session must not share a minute`);
          }
        }
      }
    }
  }
}

function hhmm(r: SessionRangeSpec): string {
  const f = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `${f(r.fromMin)}–${f(r.toMin)}`;
}
