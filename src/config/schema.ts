// The config schema (config.yaml, config.user.yaml and their includes). Every key has a default, so each
// file is validated on its own (errors name the file it came from) and again after merging.
import { z } from 'zod';
import { parseDay } from '../util/dates.js';
import { DEFAULT_CASCADE, RULE_SYNTAX, TIMEFRAME_NAME, parseRule } from '../timeframes/rules.js';

const HOURS_14 = 14 * 3_600_000;

const isoDay = z.string().refine((s) => {
  try {
    parseDay(s);
    return true;
  } catch {
    return false;
  }
}, 'expected a date YYYY-MM-DD');

export const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as America/New_York');

// Whole minutes only: every store is on a one-minute grid, and a shift of 1234 ms would put every candle
// between two minutes (verify would flag every row, and resampled bars would not align).
const shiftMs = z
  .number()
  .int()
  .min(-HOURS_14)
  .max(HOURS_14)
  .refine((ms) => ms % 60_000 === 0, 'expected whole minutes (a multiple of 60000 ms)');

/** Per symbol (or `*` group) transform settings; unset fields fall back to less specific patterns. */
export const symbolSettingsSchema = z
  .object({
    /** Fixed shift added to every UTC timestamp (7200000 = GMT+2). */
    time_shift_ms: shiftMs.optional(),
    /** Shift chosen per candle from a zone's DST state: dst_ms while `zone` observes DST, else std_ms. */
    time_shift_rule: z.object({ zone: timeZone, dst_ms: shiftMs, std_ms: shiftMs }).strict().optional(),
    /** Decimals of every stored price (rounded half away from zero); default: the instrument's price scale. */
    round_decimals: z.number().int().min(0).max(12).optional(),
  })
  .strict()
  .refine((s) => !(s.time_shift_ms !== undefined && s.time_shift_rule !== undefined), 'set either time_shift_ms or time_shift_rule, not both');

export type SymbolSettings = z.infer<typeof symbolSettingsSchema>;

const symbolPattern = z.string().regex(/^[A-Z0-9.*]+(?:\/[A-Z0-9.*]+)?$/, 'expected a symbol or a pattern such as *, EUR/*, *.IDX/*');

/** A resampled timeframe (docs/resample.md). Cross-checks (sources, nesting, cycles) run after merging. */
const timeframeName = z.string().regex(TIMEFRAME_NAME, 'expected a timeframe name of 1 to 7 ASCII letters and digits');
const timeframeSchema = z
  .object({
    name: timeframeName,
    rule: z.string().refine((r) => parseRule(r) !== undefined, RULE_SYNTAX),
    source: timeframeName,
    origin: z.literal('session', { error: "only 'session' is supported (bars align to the session range start, or to store-time midnight without a session)" }).default('session'),
    label: z.literal('left', { error: "only 'left' is supported (a bar is labelled with its start time)" }).default('left'),
    closed: z.literal('left', { error: "only 'left' is supported (a bar holds [start, end))" }).default('left'),
  })
  .strict();

const localTime = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/, 'expected a local time HH:MM from 00:00 to 23:59');
const localEndTime = z.string().regex(/^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, 'expected a local time HH:MM from 00:00 to 24:00');

/** One trading range of a session, in the session's local time; `from` ≥ `to` wraps past midnight. */
const sessionRange = z
  .object({
    from: localTime,
    to: localEndTime,
    weekdays: z.array(z.number().int().min(1, 'ISO weekdays are 1 (Monday) to 7 (Sunday)').max(7, 'ISO weekdays are 1 (Monday) to 7 (Sunday)')).min(1).optional(),
    from_date: isoDay.optional(),
    to_date: isoDay.optional(),
  })
  .strict()
  .refine((r) => !(r.from === '00:00' && r.to === '00:00'), { message: "00:00 to 00:00 is ambiguous: write 00:00 to 24:00 for a whole day", path: ['to'] })
  .refine((r) => r.from_date === undefined || r.to_date === undefined || r.from_date <= r.to_date, { message: 'from_date is after to_date', path: ['to_date'] });

// `sides`: which sides of the market are kept (dukascopy/series.ts). BID always (every reader's default);
// ASK adds the ask series, built beside the BID one by the same stages.
const sideName = z.enum(['BID', 'ASK'], { error: (issue) => `expected BID or ASK, got ${JSON.stringify(issue.input)}` });
const sideList = z
  .array(sideName)
  .min(1, 'expected at least BID')
  .refine((l) => new Set(l).size === l.length, 'a side is listed twice')
  .refine((l) => l.includes('BID'), 'BID is always kept (readers default to it): write [BID, ASK] for both sides');
export type SidesSetting = z.infer<typeof sideList> | Record<string, z.infer<typeof sideList>>;
const sidesByPattern = z.record(symbolPattern, sideList);
/** A list for every symbol, or a mapping from symbol patterns to lists (the most specific pattern wins). */
const sidesSchema = z.unknown().optional().transform((value, ctx): SidesSetting => {
  if (value === undefined) return ['BID'];
  if (value === null || typeof value !== 'object') {
    ctx.addIssue({ code: 'custom', message: 'expected a list such as [BID, ASK], or a mapping from symbol patterns to lists', input: value });
    return z.NEVER;
  }
  const r = (Array.isArray(value) ? sideList : sidesByPattern).safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as PropertyKey[], input: value });
  return z.NEVER;
});

const sessionSchema = z.object({ timezone: timeZone, ranges: z.array(sessionRange).min(1) }).strict();

export const configSchema = z
  .object({
    /** Globs (relative to the file) of more YAML files merged over this one, in sorted order. */
    includes: z.array(z.string().min(1)).default([]),
    download: z
      .object({
        base_url: z.url({ protocol: /^https?$/ }).default('https://jetta.dukascopy.com'),
        /** First day of a new symbol (never before its first minute of data); unset: its first minute. */
        start_date: isoDay.optional(),
        rate_limit_rps: z.number().positive().max(1000).default(8),
        concurrency: z.number().int().min(1).max(64).default(4),
        timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
        max_retries: z.number().int().min(0).max(20).default(5),
        backoff_ms: z.number().int().min(0).max(60_000).default(500),
        backoff_max_ms: z.number().int().min(0).max(600_000).default(30_000),
        /** A closed day fetched less than this many minutes after its close stays provisional (download/settle.ts). */
        settle_minutes: z.number().int().min(0).max(1440).default(30),
      })
      .strict()
      .prefault({}),
    transform: z
      .object({
        symbols: z.record(symbolPattern, symbolSettingsSchema).default({}),
      })
      .strict()
      .prefault({}),
    aggregate: z
      .object({
        /** Keep data/aggregate/1m/SYMBOL.csv in step with the binary store. */
        csv: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    resample: z
      .object({
        /** The cascade, in any order; a later config file replaces the whole list. */
        timeframes: z.array(timeframeSchema).default(() => DEFAULT_CASCADE.map((tf) => ({ ...tf, origin: 'session' as const, label: 'left' as const, closed: 'left' as const }))),
        /** Per symbol or pattern: extra or replaced timeframes (by name) and timeframes to skip. */
        symbols: z
          .record(symbolPattern, z.object({ timeframes: z.array(timeframeSchema).default([]), skip_timeframes: z.array(timeframeName).default([]) }).strict())
          .default({}),
      })
      .strict()
      .prefault({}),
    /**
     * Per symbol or pattern (most specific wins): trading sessions; null = none (bars on store-time days);
     * `auto` = the instrument document's trading schedule (config/autoSessions.ts).
     */
    sessions: z.record(symbolPattern, z.union([z.literal('auto'), sessionSchema]).nullable()).default({}),
    /** Sides of the market kept: [BID] (default) or [BID, ASK], for all symbols or per pattern. */
    sides: sidesSchema,
    /** Worker threads for CPU stages; 0 = one per core. */
    workers: z.number().int().min(0).max(256).default(0),
    /** `candlestore serve`: where it listens and the bearer token clients must send (required off loopback). */
    http: z
      .object({
        listen: z.string().regex(/^(?:\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, 'expected HOST:PORT such as 127.0.0.1:8000').default('127.0.0.1:8000'),
        token: z.string().min(16, 'expected a token of at least 16 characters').regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces').optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
