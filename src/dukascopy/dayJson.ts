// The Dukascopy minute-candle day document (DESIGN §3), as the real service sends it:
//   {"timestamp":ms,"multiplier":1.0E-5,"open":1.14331,"high":…,"low":…,"close":…,"shift":60000,
//    "times":[0,1,1,3,…],"opens":[0,-8,…],"highs":[…],"lows":[…],"closes":[…],"volumes":[197.1,…]}
// `times` are steps in `shift` units (times[0] is 0); price arrays are integer deltas in `multiplier` units
// applied cumulatively to the base price; volumes are absolute. An empty day has empty arrays and null
// base prices. Download checks every body with `parseDayJson` before it is cached; transform decodes it.
import { CorruptFileError, type StageOf } from '../errors.js';

/** Download checks each body, transform decodes the cache. */
type DayJsonStage = StageOf<'BAD_JSON'>;

export interface DayJson {
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

const ARRAYS = ['times', 'opens', 'highs', 'lows', 'closes', 'volumes'] as const;
const BASES = ['open', 'high', 'low', 'close'] as const;

/** Parse and shape-check a day document. Throws CorruptFileError naming `where` and what is wrong. */
export function parseDayJson(text: string, where: string, stage: DayJsonStage): DayJson {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CorruptFileError(stage, where, `invalid JSON: ${(err as Error).message}`, undefined, 'BAD_JSON');
  }
  return checkDayJson(doc, where, stage);
}

export function checkDayJson(doc: unknown, where: string, stage: DayJsonStage): DayJson {
  const bad = (msg: string) => new CorruptFileError(stage, where, msg, undefined, 'BAD_SHAPE');
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('not a Dukascopy day object');
  const d = doc as Record<string, unknown>;
  for (const key of ['timestamp', 'multiplier', 'shift'] as const) {
    if (typeof d[key] !== 'number' || !Number.isFinite(d[key])) throw bad(`"${key}" must be a finite number`);
  }
  if (!((d.multiplier as number) > 0)) throw bad('"multiplier" must be positive');
  if (!((d.shift as number) > 0)) throw bad('"shift" must be positive');
  if (!Number.isInteger(d.timestamp)) throw bad('"timestamp" must be an integer (ms)');
  let length = -1;
  for (const key of ARRAYS) {
    const arr = d[key];
    if (!Array.isArray(arr)) throw bad(`"${key}" must be an array`);
    if (length >= 0 && arr.length !== length) throw bad(`arrays of unequal length: "${key}" has ${arr.length}, "times" has ${length}`);
    length = arr.length;
  }
  for (const key of BASES) {
    const v = d[key];
    if (length === 0 ? v !== null && typeof v !== 'number' : typeof v !== 'number' || !Number.isFinite(v)) {
      throw bad(`"${key}" must be ${length === 0 ? 'null or a number' : 'a finite number'}`);
    }
  }
  return d as unknown as DayJson;
}
