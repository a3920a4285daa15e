// The Dukascopy instrument document (`GET /v1/instruments/{CODE}`, DESIGN §3), as the real service sends it
// (test/fixtures/dukascopy/instrument-*.json):
//   {"name":"EUR/USD","code":"EUR-USD","pipValue":1.0E-4,"priceScale":5,"description":…,"groupCode":"FX_MAJORS",
//    …,"defaultTimezone":"America/New_York","holidays":[{"from":ms,"till":ms},…],
//    "tradeSchedule":[{"id":…,"from":ms,"to":null,"sessions":{"MONDAY":[{"start":"17:00:00",
//      "previousDayStart":true,"end":"17:00:00","previousDayEnd":false}],…}}],
//    "histories":[{"period":"MINUTE","from":ms},…],…}
// The schedule's times are wall-clock times in `defaultTimezone`; a session listed under MONDAY with
// `previousDayStart` starts on the Sunday (FX: Sunday 17:00 New York → Monday 17:00). Holidays are UTC
// instants, `till` exclusive. Validated with zod: what candlestore uses is checked strictly, other keys are
// kept in the cached text but not required (the service may add fields).
import { z } from 'zod';
import { timeZone } from '../config/schema.js';

export const WEEKDAY_NAMES = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

const clock = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$/, 'expected a time HH:MM:SS');
const instant = z.number().int();

const scheduleSession = z.object({ start: clock, previousDayStart: z.boolean(), end: clock, previousDayEnd: z.boolean() });

export const instrumentDocumentSchema = z.object({
  name: z.string().min(1),
  code: z.string().min(1),
  pipValue: z.number(),
  priceScale: z.number().int().min(0).max(12),
  description: z.string(),
  groupCode: z.string(),
  defaultTimezone: timeZone,
  // An empty holiday (till ≤ from) closes nothing; it is kept as sent.
  holidays: z.array(z.object({ from: instant, till: instant })),
  tradeSchedule: z
    .array(
      z.object({
        id: z.string(),
        from: instant,
        to: instant.nullable(),
        sessions: z.partialRecord(z.enum(WEEKDAY_NAMES), z.array(scheduleSession)),
      }),
    ),
  histories: z.array(z.object({ period: z.string(), from: instant })),
});

export type InstrumentDocument = z.infer<typeof instrumentDocumentSchema>;
export type ScheduleSession = z.infer<typeof scheduleSession>;

/** Why `text` is not an instrument document for `symbol`, or the document. */
export function parseInstrumentDocument(text: string, symbol: string): { doc: InstrumentDocument } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON: ${(err as Error).message}` };
  }
  const result = instrumentDocumentSchema.safeParse(raw);
  if (!result.success) {
    return { problem: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`).join('; ') };
  }
  if (result.data.name !== symbol) return { problem: `describes ${JSON.stringify(result.data.name)}, not ${symbol}` };
  return { doc: result.data };
}

/** Start of the instrument's minute data (ms, UTC): its MINUTE history, else the earliest history, else 0. */
export function firstMinute(doc: InstrumentDocument): number {
  const minute = doc.histories.find((h) => h.period === 'MINUTE');
  if (minute) return minute.from;
  return doc.histories.length > 0 ? Math.min(...doc.histories.map((h) => h.from)) : 0;
}
