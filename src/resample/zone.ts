// Fast time-zone arithmetic for the resampler: UTC offsets from a per-year transition table (built once per
// zone and year from Intl through util/tz, then array lookups), local wall time → UTC, and the store time
// axis (UTC + the symbol's transform shift, fixed or chosen by a zone's DST state) in both directions.
// Trade-off: a table assumes a zone changes offset at most once per week (true of every IANA zone since
// 1970), in exchange for no Intl call per candle or per bar.
import type { ShiftRule } from '../config/symbolSettings.js';
import { DAY_MS, MINUTE_MS } from '../util/dates.js';
import { zoneOffsetMs } from '../util/tz.js';

const WEEK_MS = 7 * DAY_MS;

interface YearTable {
  /** Instants (UTC ms) from which `off[i]` applies; at[0] is 1 January 00:00 UTC. */
  at: number[];
  off: number[];
  /** Standard offset of the year: the smaller of 1 January's and 1 July's (as util/tz standardOffsetMs). */
  std: number;
}

export class ZoneOffsets {
  private readonly years = new Map<number, YearTable>();
  private lastStart = 1;
  private lastEnd = 0;
  private last: YearTable | undefined;

  constructor(readonly zone: string) {}

  /** Offset of the zone from UTC at `utc`, ms. */
  offset(utc: number): number {
    const t = this.table(utc);
    let i = t.at.length - 1;
    while (t.at[i] > utc) i--;
    return t.off[i];
  }

  /** True while the zone observes DST at `utc` (offset above the year's standard offset). */
  isDst(utc: number): boolean {
    return this.offset(utc) > this.table(utc).std;
  }

  /**
   * The instant at which local wall-clock time `wall` (ms, read as if UTC) occurs. A wall time that happens
   * twice (DST ends) gives the earlier instant; one that is skipped (DST starts) is read with the offset
   * before the jump, i.e. moved forward by the gap, as JavaScript Date and Temporal's "compatible" do.
   */
  wallToUtc(wall: number): number {
    const before = this.offset(wall - DAY_MS);
    const after = this.offset(wall + DAY_MS);
    const u1 = wall - before;
    const u2 = wall - after;
    const ok1 = u1 + this.offset(u1) === wall;
    const ok2 = u2 + this.offset(u2) === wall;
    if (ok1 && ok2) return Math.min(u1, u2);
    if (ok1) return u1;
    if (ok2) return u2;
    return u1;
  }

  /** Local wall-clock time (ms, as if UTC) at instant `utc`. */
  toWall(utc: number): number {
    return utc + this.offset(utc);
  }

  private table(utc: number): YearTable {
    if (utc >= this.lastStart && utc < this.lastEnd) return this.last!;
    const year = new Date(utc).getUTCFullYear();
    let t = this.years.get(year);
    if (!t) {
      t = this.build(year);
      this.years.set(year, t);
    }
    this.last = t;
    this.lastStart = Date.UTC(year, 0, 1);
    this.lastEnd = Date.UTC(year + 1, 0, 1);
    return t;
  }

  private build(year: number): YearTable {
    const start = Date.UTC(year, 0, 1);
    const end = Date.UTC(year + 1, 0, 1);
    const at = [start];
    const off = [zoneOffsetMs(this.zone, start)];
    let prevT = start;
    let prevOff = off[0];
    for (let t = Math.min(start + WEEK_MS, end - MINUTE_MS); ; t = Math.min(t + WEEK_MS, end - MINUTE_MS)) {
      const o = zoneOffsetMs(this.zone, t);
      if (o !== prevOff) {
        // Binary search on the minute grid for the first minute with the new offset.
        let lo = prevT;
        let hi = t;
        while (hi - lo > MINUTE_MS) {
          const mid = lo + Math.floor((hi - lo) / (2 * MINUTE_MS)) * MINUTE_MS;
          if (zoneOffsetMs(this.zone, mid) === prevOff) lo = mid;
          else hi = mid;
        }
        at.push(hi);
        off.push(o);
        prevOff = o;
      }
      prevT = t;
      if (t >= end - MINUTE_MS) break;
    }
    const std = Math.min(zoneOffsetMs(this.zone, start), zoneOffsetMs(this.zone, Date.UTC(year, 6, 1)));
    return { at, off, std };
  }
}

const zones = new Map<string, ZoneOffsets>();

/** The shared (per thread) offset table of `zone`. */
export function zoneOffsets(zone: string): ZoneOffsets {
  let z = zones.get(zone);
  if (!z) {
    z = new ZoneOffsets(zone);
    zones.set(zone, z);
  }
  return z;
}

/** The store time axis of one symbol: store ts = UTC + shift(UTC). */
export interface StoreAxis {
  storeOf(utc: number): number;
  /**
   * The UTC instant of store ts `store`: of the instants that map to it, the earliest (in a fall-back overlap
   * Transform keeps the first pass, so the earlier instant is the one the store holds); a store ts no
   * instant maps to (the spring-forward gap) is read with the larger shift.
   */
  toUtc(store: number): number;
}

export function storeAxis(rule: ShiftRule): StoreAxis {
  if (rule.kind === 'fixed') {
    const f = rule.fixedMs;
    return { storeOf: (utc) => utc + f, toUtc: (store) => store - f };
  }
  const z = zoneOffsets(rule.zone!);
  const dst = rule.dstMs!;
  const std = rule.stdMs!;
  const storeOf = (utc: number) => utc + (z.isDst(utc) ? dst : std);
  return {
    storeOf,
    toUtc(store) {
      const a = store - Math.max(dst, std);
      const b = store - Math.min(dst, std);
      if (storeOf(a) === store) return a;
      if (storeOf(b) === store) return b;
      return a;
    },
  };
}
