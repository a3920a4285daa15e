// `--side bid|ask|mid` and `--spread` of `build` and `show`: parsed and reported the same way by both (the
// pairing itself is store/sides.ts).
import { ConfigError } from '../errors.js';
import { ONE_SIDED_LISTED, READ_SIDES, type OneSided, type ReadSide } from '../store/sides.js';
import { groupDigits } from '../util/digits.js';
import type { ReadMode } from './plan.js';

/** `--side`: bid, ask or mid (any case); anything else is exit 2. */
export function parseReadSide(text: string): ReadSide {
  const side = text.toLowerCase() as ReadSide;
  if (!READ_SIDES.includes(side)) throw new ConfigError(`--side ${JSON.stringify(text)}: want bid, ask or mid`, undefined, 'BAD_USAGE');
  return side;
}

/**
 * The note for bars on one side only, left out of mid and the spread (never paired with a neighbour): counts
 * and the first few times; undefined when there are none. `key` names the series (`EUR-USD 1m`).
 */
export function oneSidedNote(key: string, c: OneSided, read: ReadMode): string | undefined {
  const n = c.bidOnly + c.askOnly;
  if (n === 0) return undefined;
  const what = read.side === 'mid' ? 'mid' : 'the spread';
  const first = c.first.slice(0, ONE_SIDED_LISTED).map((f) => `${new Date(f.time).toISOString().slice(0, 16).replace('T', ' ')} ${f.side} only`).join(', ');
  return `note: ${key}: ${groupDigits(n)} bar${n === 1 ? '' : 's'} on one side only left out of ${what} (${groupDigits(c.bidOnly)} BID only, ${groupDigits(c.askOnly)} ASK only; first: ${first}); \`candlestore verify\` lists them`;
}
