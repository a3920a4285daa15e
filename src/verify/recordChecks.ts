// Checks that see every committed record once, chunk by chunk: timestamp order, OHLC sanity, the running
// data checksum against the index, and gaps (runs of missing minutes inside a day).
import { tradingGapsBetween } from './tradingGaps.js';
import { crc32 } from 'node:zlib';
import { DAY_MS, MINUTE_MS, formatDay, isoMinute, isoTime } from '../util/dates.js';
import { FLAG_PROVISIONAL, HEADER_SIZE, RECORD_SIZE, R_FLAGS } from '../store/format.js';
import type { RecordCheck } from './types.js';

/** ts strictly increasing (equal = duplicate), and aligned to `alignMs` when given. */
export function orderCheck(alignMs?: number): RecordCheck {
  return {
    name: 'order',
    start(ctx) {
      let prev: number | undefined;
      return {
        chunk(c) {
          for (let i = 0; i < c.count; i++) {
            const ts = c.ts(i);
            if (prev !== undefined && ts <= prev) {
              ctx.damage('order', ts === prev ? `duplicate ts ${isoMinute(ts)} (record ${c.firstIndex + i})` : `ts ${isoMinute(ts)} goes back before ${isoMinute(prev)} (record ${c.firstIndex + i})`, c.posOf(i));
            }
            if (alignMs !== undefined && ts % alignMs !== 0) ctx.damage('order', `ts ${isoTime(ts)} is not on a ${alignMs / MINUTE_MS}-minute boundary`, c.posOf(i));
            prev = ts;
          }
        },
        end() {},
      };
    },
  };
}

/** Prices finite, low ≤ open, close ≤ high; volume finite and ≥ 0. */
export const ohlcCheck: RecordCheck = {
  name: 'ohlc',
  start(ctx) {
    return {
      chunk(c) {
        for (let i = 0; i < c.count; i++) {
          const o = c.open(i), h = c.high(i), l = c.low(i), cl = c.close(i), v = c.volume(i);
          let problem: string | undefined;
          if (![o, h, l, cl].every(Number.isFinite)) problem = 'a price is not finite';
          else if (!(l <= o && l <= cl && o <= h && cl <= h)) problem = `not low ≤ open, close ≤ high (o ${o} h ${h} l ${l} c ${cl})`;
          else if (!Number.isFinite(v) || v < 0) problem = `volume ${v} is not a finite number ≥ 0`;
          if (problem) ctx.damage('ohlc', `record ${c.firstIndex + i} (ts ${isoMinute(c.ts(i))}): ${problem}`, c.posOf(i));
        }
      },
      end() {},
    };
  },
};

/**
 * CRC-32 of the final records, bytes 64..final_pos, must equal the index's data_crc: catches any bit flip in
 * closed history. (The provisional tail after it has tail_crc, checked by fileChecks' tailCheck.)
 */
export const dataCrcCheck: RecordCheck = {
  name: 'data_crc',
  start(ctx) {
    let crc = 0;
    const finalPos = ctx.index?.finalPos ?? Number.POSITIVE_INFINITY;
    return {
      chunk(c) {
        const n = Math.max(0, Math.min(c.count, (finalPos - c.startPos) / RECORD_SIZE));
        if (n > 0) crc = crc32(n === c.count ? c.buf : c.buf.subarray(0, n * RECORD_SIZE), crc);
      },
      end() {
        const ix = ctx.index;
        if (!ix || ctx.scanEnd < ix.finalPos) return; // no index, or truncated: reported by the size check
        if (crc !== ix.dataCrc) {
          ctx.damage('data_crc', `bytes ${HEADER_SIZE}..${ix.finalPos} do not match the index's data_crc: some final record changed (bit rot or an outside write); run \`candlestore rebuild aggregate\``);
        }
      },
    };
  },
};

/**
 * Flags of the 1m store: 0 before final_pos, FLAG_PROVISIONAL on every record of the provisional tail (a
 * wrong flag there is a warning: the next run rewrites the tail).
 */
export const flagsCheck: RecordCheck = {
  name: 'flags',
  start(ctx) {
    const finalPos = ctx.index?.finalPos ?? Number.POSITIVE_INFINITY;
    return {
      chunk(c) {
        for (let i = 0; i < c.count; i++) {
          const flags = c.buf.readUInt16LE(i * RECORD_SIZE + R_FLAGS);
          const pos = c.posOf(i);
          if (pos < finalPos && flags !== 0) ctx.damage('flags', `final record ${c.firstIndex + i} (ts ${isoMinute(c.ts(i))}) has flags ${flags}; final records have none`, pos);
          else if (pos >= finalPos && flags !== FLAG_PROVISIONAL) ctx.warn('flags', `provisional record ${c.firstIndex + i} (ts ${isoMinute(c.ts(i))}) has flags ${flags}, not ${FLAG_PROVISIONAL} (the next run rewrites the tail)`, pos);
        }
      },
      end() {},
    };
  },
};

/**
 * Gaps. With the instrument's trading calendar (its cached document, verify/tradingGaps.ts): runs of more
 * than `ctx.gapMinutes` trading minutes without a record, holidays and closed hours excluded. Without one:
 * more than `ctx.gapMinutes` consecutive missing minutes between two records of the same store-time day;
 * edges of the day and weekends are not gaps (a rule that needs no calendar, listed for a human to judge).
 */
export const gapCheck: RecordCheck = {
  name: 'gaps',
  start(ctx) {
    let prev: number | undefined;
    const calendar = ctx.calendar;
    return {
      chunk(c) {
        for (let i = 0; i < c.count; i++) {
          const ts = c.ts(i);
          if (calendar && prev !== undefined && ts > prev) {
            if (ts - prev > (ctx.gapMinutes + 1) * MINUTE_MS) tradingGapsBetween(calendar, prev, ts, ctx.gapMinutes, ctx.gap);
          } else if (prev !== undefined && ts > prev) {
            const missing = Math.floor((ts - prev) / MINUTE_MS) - 1;
            const day = Math.floor(prev / DAY_MS);
            if (missing > ctx.gapMinutes && Math.floor(ts / DAY_MS) === day) {
              ctx.gap(formatDay(day * DAY_MS), hhmm(prev + MINUTE_MS), hhmm(ts - MINUTE_MS), missing);
            }
          }
          prev = ts;
        }
      },
      end() {},
    };
  },
};

function hhmm(ts: number): string {
  return isoMinute(ts).slice(11);
}
