// UTC offsets and DST state of IANA zones at a given instant, from the runtime's Intl data (Node 20 has no
// Temporal). Offsets are always resolved for the instant in question, never for "now".

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at `instant`, in ms (New York in summer: -14400000). */
export function zoneOffsetMs(zone: string, instant: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const wholeSeconds = Math.floor(instant / 1000) * 1000;
  return asUtc - wholeSeconds;
}

const standardOffsets = new Map<string, number>();

/** The zone's standard (non-DST) offset in the year of `instant`: the smaller of January's and July's. */
export function standardOffsetMs(zone: string, instant: number): number {
  const year = new Date(instant).getUTCFullYear();
  const key = `${zone}|${year}`;
  let std = standardOffsets.get(key);
  if (std === undefined) {
    std = Math.min(zoneOffsetMs(zone, Date.UTC(year, 0, 1)), zoneOffsetMs(zone, Date.UTC(year, 6, 1)));
    standardOffsets.set(key, std);
  }
  return std;
}

export function isDst(zone: string, instant: number): boolean {
  return zoneOffsetMs(zone, instant) > standardOffsetMs(zone, instant);
}

/**
 * The first minute in [from, to) at which `pred` changes value, assuming it changes at most once there
 * (DST switches are months apart). Returns undefined when it does not change.
 */
export function findSwitchMinute(from: number, to: number, pred: (instant: number) => boolean): number | undefined {
  const atStart = pred(from);
  if (pred(to - 60_000) === atStart) return undefined;
  let lo = from; // pred(lo) === atStart
  let hi = to - 60_000; // pred(hi) !== atStart
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (pred(mid) === atStart) lo = mid;
    else hi = mid;
  }
  return hi;
}

const dayEnds = new Map<string, [number, number]>();

/**
 * zoneOffsetMs memoized per UTC day: the offsets at the day's first and last minute are cached, and only a
 * day with a switch between them asks Intl again. For hot loops (sim's trading hours).
 */
export function zoneOffsetCachedMs(zone: string, instant: number): number {
  const day = Math.floor(instant / 86_400_000);
  const key = `${zone}|${day}`;
  let ends = dayEnds.get(key);
  if (ends === undefined) {
    ends = [zoneOffsetMs(zone, day * 86_400_000), zoneOffsetMs(zone, day * 86_400_000 + 86_340_000)];
    if (dayEnds.size >= 16384) dayEnds.clear();
    dayEnds.set(key, ends);
  }
  return ends[0] === ends[1] ? ends[0] : zoneOffsetMs(zone, instant);
}

/** The UTC instant of a wall-clock time in `zone` (given as ms "as if UTC"); DST from that date. */
export function zonedToUtc(zone: string, wallMs: number): number {
  const guess = wallMs - zoneOffsetCachedMs(zone, wallMs);
  return wallMs - zoneOffsetCachedMs(zone, guess);
}
