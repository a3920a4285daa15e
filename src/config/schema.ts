// The config schema (config.yaml, config.user.yaml and their includes). Every key has a default, so each
// file is validated on its own (errors name the file it came from) and again after merging.
import { z } from 'zod';
import { parseDay } from '../util/dates.js';

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

const shiftMs = z.number().int().min(-HOURS_14).max(HOURS_14);

/** Per symbol (or `*` group) transform settings; unset fields fall back to less specific patterns. */
export const symbolSettingsSchema = z
  .object({
    /** Fixed shift added to every UTC timestamp (7200000 = GMT+2). */
    time_shift_ms: shiftMs.optional(),
    /** Shift chosen per candle from a zone's DST state: dst_ms while `zone` observes DST, else std_ms. */
    time_shift_rule: z.object({ zone: timeZone, dst_ms: shiftMs, std_ms: shiftMs }).strict().optional(),
    /** Decimals kept after the decode; default: the decimals of the day's multiplier. */
    round_decimals: z.number().int().min(0).max(12).optional(),
  })
  .strict()
  .refine((s) => !(s.time_shift_ms !== undefined && s.time_shift_rule !== undefined), 'set either time_shift_ms or time_shift_rule, not both');

export type SymbolSettings = z.infer<typeof symbolSettingsSchema>;

const symbolPattern = z.string().regex(/^[A-Z0-9.*]+(?:\/[A-Z0-9.*]+)?$/, 'expected a symbol or a pattern such as *, EUR/*, *.IDX/*');

export const configSchema = z
  .object({
    /** Globs (relative to the file) of more YAML files merged over this one, in sorted order. */
    includes: z.array(z.string().min(1)).default([]),
    download: z
      .object({
        base_url: z.url({ protocol: /^https?$/ }).default('https://jetta.dukascopy.com'),
        start_date: isoDay.default('2026-01-01'),
        rate_limit_rps: z.number().positive().max(1000).default(8),
        concurrency: z.number().int().min(1).max(64).default(4),
        timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
        max_retries: z.number().int().min(0).max(20).default(5),
        backoff_ms: z.number().int().min(0).max(60_000).default(500),
        backoff_max_ms: z.number().int().min(0).max(600_000).default(30_000),
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
    /** Worker threads for CPU stages; 0 = one per core. */
    workers: z.number().int().min(0).max(256).default(0),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
