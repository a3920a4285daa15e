// The fast day decoder (src/transform/fastDecode.ts) against the JSON.parse path it stands in for: real
// recorded payloads, sim days of several instruments, and thousands of seeded mutations of them (reordered
// keys, whitespace, exponents, -0, huge numbers, non-integers, truncations, deleted and duplicated fields,
// strings, stray bytes, changed values). Each must give the same day file bytes and counters, or the same
// error (class, code, message). A failure prints the seed; FASTDECODE_SEED=<seed> replays it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CandleError } from '../../src/errors.js';
import { decodeDayBytes, decodeDayFast, decodeDayParsed } from '../../src/transform/fastDecode.js';
import { multiplierDecimals, type DecodedDay, type DecodeOptions } from '../../src/transform/decode.js';
import { shiftForDay } from '../../src/transform/timeShift.js';
import { generateDayBytes, SplitMix32 } from '../../src/sim/generator.js';
import { getInstrument } from '../../src/sim/instruments.js';
import { DAY_MS } from '../../src/util/dates.js';

const SEED = process.env.FASTDECODE_SEED !== undefined ? Number(process.env.FASTDECODE_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const replay = `(seed ${SEED}: FASTDECODE_SEED=${SEED} replays it)`;

const FIXTURES = new URL('../fixtures/dukascopy/', import.meta.url).pathname;
const UTC = { kind: 'fixed' as const, fixedMs: 0 };
const PLUS2 = { kind: 'fixed' as const, fixedMs: 2 * 3600e3 };
const MT4 = { kind: 'zone' as const, fixedMs: 0, zone: 'America/New_York', dstMs: 3 * 3600e3, stdMs: 2 * 3600e3 };
type Rule = typeof UTC | typeof PLUS2 | typeof MT4;

interface Doc {
  name: string;
  text: string;
  /** 00:00 UTC of the day the document is for. */
  day: number;
}

function fixture(name: string, day: number): Doc {
  return { name, text: readFileSync(join(FIXTURES, name), 'latin1'), day };
}

const FIXTURE_DOCS: Doc[] = [
  fixture('candles-minute-EUR-USD-BID-2026-7-10.json', Date.UTC(2026, 6, 10)),
  fixture('candles-minute-EUR-USD-BID-2026-7-11-empty.json', Date.UTC(2026, 6, 11)),
  fixture('candles-minute-BTC-USD-BID-from-1783900800000.json', Date.UTC(2026, 6, 13)),
];

/** Sim days: FX (5 and 3 decimals), metal, indices with sessions, crypto with Java-exponent volumes; weekdays,
 * weekends (empty FX days), both US DST switches, and live-day prefixes. */
function simDocs(): Doc[] {
  const days = [Date.UTC(2025, 5, 11), Date.UTC(2025, 5, 14), Date.UTC(2025, 5, 15), Date.UTC(2025, 2, 9), Date.UTC(2025, 10, 2), Date.UTC(2026, 0, 5)];
  const out: Doc[] = [];
  for (const symbol of ['EUR/USD', 'USD/JPY', 'XAU/USD', 'USA500.IDX/USD', 'JPN.IDX/JPY', 'BTC/USD', 'ETH/USD']) {
    for (const day of days) {
      const inst = getInstrument(symbol);
      out.push({ name: `sim ${symbol} ${new Date(day).toISOString().slice(0, 10)}`, text: generateDayBytes(inst, day, 7).toString('latin1'), day });
    }
    const live = Date.UTC(2025, 5, 12);
    const now = live + 13 * 3600e3 + 17 * 60e3;
    out.push({ name: `sim ${symbol} live prefix`, text: generateDayBytes(getInstrument(symbol), live, 11, { nowMs: now }).toString('latin1'), day: live });
  }
  return out;
}

const SIM_DOCS = simDocs();
const ALL_DOCS = [...FIXTURE_DOCS, ...SIM_DOCS];

/** The decimals of the document's own multiplier (undefined when it has none readable). */
function docDecimals(text: string): number | undefined {
  const m = /"multiplier":([0-9.Ee+-]+)/.exec(text);
  return m ? multiplierDecimals(Number(m[1])) : undefined;
}

/** The ways transform decodes a day: the instrument's decimals exactly, rounded to fewer or more, shifted, at a price scale. */
function optionsFor(doc: Doc, variant: number, file = `cache/${doc.name}.json`): DecodeOptions {
  const k = docDecimals(doc.text) ?? 5;
  const rule: Rule = variant === 3 ? PLUS2 : variant === 4 ? MT4 : UTC;
  const base = { symbol: 'SYM/BOL', day: doc.day, definition: 0x5eed1234, shift: shiftForDay(rule, doc.day), file };
  switch (variant) {
    case 1: return { ...base, decimals: Math.max(0, k - 2), fit: 'round' };
    case 2: return { ...base, decimals: k + 1, fit: 'round' };
    case 5: return { ...base, decimals: undefined, fit: 'exact' };
    case 6: return { ...base, decimals: k === 5 ? 3 : 5, fit: 'exact' };
    case 7: return { ...base, day: doc.day + DAY_MS, decimals: k, fit: 'exact' };
    // The instrument document's price scale: coarser days rescaled exactly, a finer one refused, the same.
    case 8: return { ...base, decimals: k + 1, fit: 'scale' };
    case 9: return { ...base, decimals: Math.max(0, k - 1), fit: 'scale' };
    case 10: return { ...base, decimals: k, fit: 'scale' };
    default: return { ...base, decimals: k, fit: 'exact' };
  }
}
const VARIANTS = 11;

type Outcome = { day: DecodedDay } | { error: string };

function outcome(fn: () => DecodedDay): Outcome {
  try {
    return { day: fn() };
  } catch (err) {
    const e = err as Error;
    const code = err instanceof CandleError ? `${err.code} ${err.stage}` : '';
    return { error: `${e.constructor.name} ${code}: ${e.message}` };
  }
}

function describe(o: Outcome): string {
  if ('error' in o) return o.error;
  const d = o.day;
  return `${d.count} records, ${d.decimals} decimals, ${d.zeroVolumeDropped} zero-volume, ${d.overlapDropped} overlap, ${d.bin.length} bytes`;
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b && a.error === b.error;
  const x = a.day, y = b.day;
  return x.count === y.count && x.decimals === y.decimals && x.zeroVolumeDropped === y.zeroVolumeDropped
    && x.overlapDropped === y.overlapDropped && x.bin.equals(y.bin);
}

/**
 * Both paths on one document: decodeDayBytes must give what the JSON.parse path gives, and the fast path
 * alone must either decline or give that too. Returns whether the fast path took the document, and the outcome.
 */
function check(what: string, text: string, opts: DecodeOptions): { took: boolean; parsed: Outcome } {
  const bytes = Buffer.from(text, 'latin1');
  const parsed = outcome(() => decodeDayParsed(bytes, opts));
  const viaBytes = outcome(() => decodeDayBytes(bytes, opts));
  const fast = decodeDayFast(bytes, opts);
  const context = () => `${what} ${replay}\n  document: ${text.length > 400 ? `${text.slice(0, 200)} … ${text.slice(-200)}` : text}`;
  assert.ok(sameOutcome(viaBytes, parsed), `decodeDayBytes gave «${describe(viaBytes)}», JSON.parse path «${describe(parsed)}»: ${context()}`);
  if (fast !== undefined) assert.ok(sameOutcome({ day: fast }, parsed), `fast path gave «${describe({ day: fast })}», JSON.parse path «${describe(parsed)}»: ${context()}`);
  // The same into the thread's reused buffer (what the transform stage writes).
  const scratch = outcome(() => decodeDayBytes(bytes, opts, 'scratch'));
  assert.ok(sameOutcome(scratch, parsed), `decodeDayBytes into scratch gave «${describe(scratch)}», JSON.parse path «${describe(parsed)}»: ${context()}`);
  return { took: fast !== undefined, parsed };
}

test('real payloads and sim days take the fast path and give the JSON.parse path\'s exact day files', () => {
  let records = 0;
  for (const doc of ALL_DOCS) {
    for (let v = 0; v < VARIANTS; v++) {
      const opts = optionsFor(doc, v);
      const { took, parsed } = check(`${doc.name}, options variant ${v}`, doc.text, opts);
      // Every day the JSON.parse path accepts is the fast path's: it is the service's own shape.
      assert.equal(took, 'day' in parsed, `${doc.name} variant ${v}: fast path ${took ? 'took' : 'declined'} a day the JSON.parse path ${'day' in parsed ? 'accepts' : `refuses (${describe(parsed)})`}`);
      if ('day' in parsed) records += parsed.day.count;
    }
  }
  assert.ok(records > 100_000, `only ${records} records checked`);
});

test('the sim corpus covers empty days, exponent volumes, JPY/index/crypto scales and DST overlaps', () => {
  const empties = ALL_DOCS.filter((d) => d.text.includes('"times":[]'));
  assert.ok(empties.length >= 3, 'empty days');
  assert.ok(ALL_DOCS.some((d) => /"volumes":\[[^\]]*E-/.test(d.text)), 'a volume in Java exponent form');
  assert.deepEqual(new Set(ALL_DOCS.map((d) => docDecimals(d.text))), new Set([1, 2, 3, 5]));
  // BTC trades through New York's fall-back hour: under MT4 time, the repeated hour is dropped.
  const fallBack = SIM_DOCS.find((d) => d.name === 'sim BTC/USD 2025-11-02')!;
  const opts = optionsFor(fallBack, 4);
  const fast = decodeDayFast(Buffer.from(fallBack.text, 'latin1'), opts);
  assert.ok(fast && fast.overlapDropped === 60, `overlap dropped: ${fast?.overlapDropped}`);
  assert.ok(fast.bin.equals(decodeDayParsed(Buffer.from(fallBack.text, 'latin1'), opts).bin));
});

test('zero-volume minutes are dropped and counted as the JSON.parse path does', () => {
  const doc = FIXTURE_DOCS[0];
  let zeros = 0;
  // The first and last minutes too, and every 7th.
  const text = doc.text.replace(/"volumes":\[([^\]]*)\]/, (_m, list: string) => {
    const volumes = list.split(',');
    return `"volumes":[${volumes.map((v, i) => (i % 7 === 3 || i === 0 || i === volumes.length - 1 ? (zeros++, '0.0') : v)).join(',')}]`;
  });
  const opts = optionsFor(doc, 0);
  const fast = decodeDayFast(Buffer.from(text, 'latin1'), opts);
  assert.ok(fast, 'fast path declined a day with zero volumes');
  assert.equal(fast.zeroVolumeDropped, zeros);
  assert.ok(check('zero volumes', text, opts).took);
});

// ------------------------------------------------------------------------------------------ mutations

interface Token {
  kind: 'punct' | 'key' | 'num' | 'null';
  start: number;
  end: number;
  /** The top-level key whose value holds the token ('' for the document's own braces and keys). */
  member: string;
}

/** Tokens of a document in the service's shape (no whitespace, no escapes); undefined for anything else. */
function tokenize(text: string): Token[] | undefined {
  const out: Token[] = [];
  let member = '';
  let depth = 0;
  for (let p = 0; p < text.length;) {
    const c = text[p];
    if (c === '"') {
      const end = text.indexOf('"', p + 1) + 1;
      if (end === 0) return undefined;
      if (depth === 1) member = text.slice(p + 1, end - 1);
      out.push({ kind: 'key', start: p, end, member: depth === 1 ? '' : member });
      p = end;
    } else if ('{}[],:'.includes(c)) {
      if (c === '{' || c === '[') depth++;
      if (c === '}' || c === ']') depth--;
      out.push({ kind: 'punct', start: p, end: p + 1, member: depth >= 1 && c !== '{' && c !== '}' ? member : '' });
      p++;
    } else if (text.startsWith('null', p)) {
      out.push({ kind: 'null', start: p, end: p + 4, member });
      p += 4;
    } else {
      let end = p;
      while (end < text.length && /[-+0-9.eE]/.test(text[end])) end++;
      if (end === p) return undefined;
      out.push({ kind: 'num', start: p, end, member });
      p = end;
    }
  }
  return out;
}

/** `"key":value` spans of the top level, in order. */
function members(text: string, tokens: Token[]): { key: string; start: number; end: number }[] {
  const out: { key: string; start: number; end: number }[] = [];
  let depth = 0;
  let current: { key: string; start: number; end: number } | undefined;
  for (const t of tokens) {
    const c = text[t.start];
    if (t.kind === 'key' && depth === 1 && !current) current = { key: text.slice(t.start + 1, t.end - 1), start: t.start, end: t.end };
    if (t.kind !== 'punct') continue;
    if (c === '{' || c === '[') depth++;
    if (c === '}' || c === ']') depth--;
    if (current && ((c === ',' && depth === 1) || depth === 0)) {
      current.end = t.start;
      out.push(current);
      current = undefined;
    }
  }
  return out;
}

const INT_MEMBERS = new Set(['timestamp', 'shift', 'times', 'opens', 'highs', 'lows', 'closes']);

class Mutator {
  constructor(private readonly rng: SplitMix32) {}
  int(n: number): number {
    return Math.floor(this.rng.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
}

const splice = (text: string, start: number, end: number, insert: string) => text.slice(0, start) + insert + text.slice(end);

/** The same decimal value written another way, mostly with an exponent (`1.14331` → `114331E-5`, `1.14331e+0`). */
function reExponent(m: Mutator, num: string): string {
  const neg = num.startsWith('-');
  const body = neg ? num.slice(1) : num;
  const em = /^(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(body);
  if (!em) return num;
  let digits = em[1] + (em[2] ?? '');
  let exp = Number(em[3] ?? 0) - (em[2]?.length ?? 0);
  digits = digits.replace(/^0+(?=\d)/, '');
  // value = digits × 10^exp; put the point after `lead` digits, lead ≥ 1.
  const lead = 1 + m.int(digits.length);
  const mantissa = lead < digits.length ? `${digits.slice(0, lead)}.${digits.slice(lead)}` : digits;
  const e = exp + (digits.length - lead);
  const sign = e < 0 ? '-' : m.chance(0.3) ? '+' : '';
  const eText = `${m.chance(0.2) ? '0' : ''}${Math.abs(e)}`;
  return `${neg ? '-' : ''}${mantissa}${m.chance(0.5) ? 'E' : 'e'}${sign}${eText}`;
}

const HUGE = ['123456789012345', '1234567890123456', '9007199254740993', '123456789012345678901234567890', '1' + '0'.repeat(300), '1E308', '1.7976931348623157E309', '1E400', '1E-400', '1.0E22', '1.0E23', '1.0E-22', '1.0E-23', '0.123456789012345', '0.1234567890123456', '4.9E-324', '99999999999999999999'];
const NOT_NUMBERS = ['true', 'false', 'null', '"1"', '[]', '{}', 'NaN', 'Infinity', '-Infinity', '+1', '.5', '1.', '01', '-', '1e', '1E+', '0x10', '1_000', '١'];
const WHITESPACE = [' ', '\n', '\t', '\r', '  ', '\r\n'];

/** One mutation of `text` (a document in the service's shape) and what it is. */
/** A document taken apart for mutate (built once per corpus document). */
interface Prepared {
  text: string;
  tokens: Token[];
  nums: Token[];
  mems: { key: string; start: number; end: number }[];
  /** Number tokens by the field that holds them. */
  byMember: Map<string, Token[]>;
}

function prepare(text: string): Prepared | undefined {
  const tokens = tokenize(text);
  if (!tokens) return undefined;
  const nums = tokens.filter((t) => t.kind === 'num');
  const byMember = new Map<string, Token[]>();
  for (const t of nums) {
    const list = byMember.get(t.member);
    if (list) list.push(t);
    else byMember.set(t.member, [t]);
  }
  return { text, tokens, nums, mems: members(text, tokens), byMember };
}

function mutate(m: Mutator, doc: Prepared): [string, string] {
  const { text, tokens, nums, mems, byMember } = doc;
  const someNum = () => m.pick(nums);
  if (mems.length < 2 || nums.length === 0) return [text, 'unchanged (no fields to mutate)'];
  const kind = m.int(18);
  switch (kind) {
    case 0: { // reordered keys
      const order = mems.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = m.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      if (order.every((v, i) => v === i)) [order[0], order[1]] = [order[1], order[0]];
      return [`{${order.map((i) => text.slice(mems[i].start, mems[i].end)).join(',')}}`, `keys reordered ${order.join(',')}`];
    }
    case 1: { // whitespace at a token boundary (or around the document)
      const at = m.chance(0.1) ? m.pick([0, text.length]) : m.pick(tokens)[m.chance(0.5) ? 'start' : 'end'];
      const ws = m.pick(WHITESPACE);
      return [splice(text, at, at, ws), `whitespace ${JSON.stringify(ws)} at ${at}`];
    }
    case 2: { // the same number with an exponent
      const t = someNum();
      const num = text.slice(t.start, t.end);
      const alt = reExponent(m, num);
      return [splice(text, t.start, t.end, alt), `${t.member} ${num} → ${alt}`];
    }
    case 3: { // negative zero
      const t = m.chance(0.5) ? someNum() : (nums.find((n) => text.slice(n.start, n.end) === '0' && m.chance(0.2)) ?? someNum());
      const alt = m.pick(['-0', '-0.0', '-0E0', '-0.0E-5']);
      return [splice(text, t.start, t.end, alt), `${t.member} ${text.slice(t.start, t.end)} → ${alt}`];
    }
    case 4: { // huge or barely exact numbers
      const t = someNum();
      const alt = (m.chance(0.3) ? '-' : '') + m.pick(HUGE);
      return [splice(text, t.start, t.end, alt), `${t.member} → ${alt}`];
    }
    case 5: { // a non-integer where an integer is expected
      const ints = [...INT_MEMBERS].flatMap((k) => byMember.get(k) ?? []);
      const t = m.pick(ints.length > 0 ? ints : nums);
      const num = text.slice(t.start, t.end);
      const alt = m.pick([`${num}.0`, `${num}.5`, `${num}.00`, '0.5', `${num}E0`, `${num}0E-1`]);
      return [splice(text, t.start, t.end, alt), `${t.member} ${num} → ${alt}`];
    }
    case 6: { // truncated after a token of some class, or inside one
      const t = m.pick(tokens);
      const inside = t.end - t.start > 1 && m.chance(0.5);
      const at = inside ? t.start + 1 + m.int(t.end - t.start - 1) : m.chance(0.5) ? t.start : t.end;
      return [text.slice(0, at), `truncated at ${at} (${inside ? 'inside' : 'at'} ${t.kind} ${JSON.stringify(text.slice(t.start, t.end))})`];
    }
    case 7: { // a field deleted, or an array element deleted
      if (m.chance(0.5)) {
        const i = m.int(mems.length);
        const { start, end } = mems[i];
        const cut = i === 0 ? splice(text, start, Math.min(end + 1, text.length - 1), '') : splice(text, start - 1, end, '');
        return [cut, `field ${mems[i].key} deleted`];
      }
      const arrays = ['times', 'opens', 'highs', 'lows', 'closes', 'volumes'].flatMap((k) => byMember.get(k) ?? []);
      const t = arrays.length > 0 && m.chance(0.9) ? m.pick(arrays) : someNum();
      const before = text[t.start - 1];
      const cut = before === ',' ? splice(text, t.start - 1, t.end, '') : text[t.end] === ',' ? splice(text, t.start, t.end + 1, '') : splice(text, t.start, t.end, '');
      return [cut, `element of ${t.member} deleted at ${t.start}`];
    }
    case 8: { // a field duplicated (same or another value), or an array element duplicated
      if (m.chance(0.5)) {
        const src = m.pick(mems);
        const at = m.pick(mems);
        const copy = m.chance(0.5) ? text.slice(src.start, src.end) : `"${src.key}":${m.pick(['0', '1', 'null', '[]', '1.0E-5', '[1]'])}`;
        return [splice(text, at.end, at.end, `,${copy}`), `field ${src.key} duplicated after ${at.key}`];
      }
      const t = someNum();
      const num = text.slice(t.start, t.end);
      return [splice(text, t.end, t.end, `,${num}`), `${t.member} element ${num} duplicated`];
    }
    case 9: { // a string (or another non-number) instead of a number
      const t = someNum();
      const num = text.slice(t.start, t.end);
      const alt = m.chance(0.5) ? `"${num}"` : m.pick(NOT_NUMBERS);
      return [splice(text, t.start, t.end, alt), `${t.member} ${num} → ${alt}`];
    }
    case 10: { // an unknown key, or a known one spelt another way
      const at = m.pick(mems);
      const key = m.pick(['"foo":1', '"times2":[]', '"Times":[]', '"":0', '"volumes ":[]', '"shift":60000']);
      if (m.chance(0.5)) return [splice(text, at.end, at.end, `,${key}`), `key ${key} added after ${at.key}`];
      const alt = m.pick([at.key.toUpperCase(), `\\u00${at.key.charCodeAt(0).toString(16)}${at.key.slice(1)}`, `${at.key}s`, at.key.slice(1)]);
      return [splice(text, at.start + 1, at.start + 1 + at.key.length, alt), `key ${at.key} → ${alt}`];
    }
    case 11: { // a stray byte anywhere (also non-ASCII)
      const at = m.int(text.length + 1);
      const byte = String.fromCharCode(m.chance(0.5) ? m.int(256) : m.pick([0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x22, 0x2d, 0x2e, 0x30, 0x35, 0x45]));
      return m.chance(0.5) ? [splice(text, at, at, byte), `byte ${byte.charCodeAt(0)} inserted at ${at}`] : [splice(text, at, at + 1, byte), `byte at ${at} → ${byte.charCodeAt(0)}`];
    }
    case 12: { // around the document: BOM, trailing bytes, nesting
      const alt = m.pick([`\ufeff${text}`, `${text} `, `${text}\n`, `${text}}`, `${text},`, `[${text}]`, `${text}${text}`, `{"a":${text}}`, text.slice(0, -1), `${text.slice(0, -1)},}`]);
      return [alt, 'document framed'];
    }
    case 13:
    case 14:
    case 15: { // one candle moved, or its wick stretched: deltas of row i changed and undone at row i + 1
      const rows = (key: string) => byMember.get(key) ?? [];
      const series = ['opens', 'highs', 'lows', 'closes'].map(rows);
      const n = Math.min(...series.map((r) => r.length));
      if (n < 3) return [text, 'unchanged (too few candles)'];
      const i = 1 + m.int(n - 2);
      const x = m.pick([1, 2, 5, 17, 100, -1, -3, -40]);
      const wick = kind === 15;
      // Which series move: all four (the candle moves), or the high up / the low down (a longer wick).
      const moved = wick ? (x > 0 ? [1] : [2]) : [0, 1, 2, 3];
      let out = text;
      // Right to left, so earlier positions stay valid.
      const edits: [Token, number][] = [];
      for (const s of moved) edits.push([series[s][i], x], [series[s][i + 1], -x]);
      edits.sort((a, b) => b[0].start - a[0].start);
      for (const [t, d] of edits) out = splice(out, t.start, t.end, String(Number(text.slice(t.start, t.end)) + d));
      return [out, `candle ${i} ${wick ? 'wick' : 'moved'} by ${x}`];
    }
    default: { // a value changed in place: the shape holds, the candles (or the header fields) change
      const t = someNum();
      const num = text.slice(t.start, t.end);
      let alt: string;
      switch (t.member) {
        case 'times': alt = m.pick(['0', '1', '2', '60', '1439', '1440', '100000']); break;
        case 'volumes': alt = m.pick(['0.0', '0', '1.0E-6', '12345.5', '5.0E-4', '1.0E7', '0.001']); break;
        case 'multiplier': alt = m.pick(['1.0E-4', '1.0E-6', '0.001', '0.1', '1.0', '0.5', '2.0E-5', '1.0E-12', '1.0E-13', '0.0']); break;
        case 'timestamp': alt = String(Number(num) + m.pick([1, 60_000, -60_000, DAY_MS, -DAY_MS, 30_000, 7 * DAY_MS])); break;
        case 'shift': alt = m.pick(['1000', '30000', '120000', '0', '60001', '3600000']); break;
        case 'open': case 'high': case 'low': case 'close': alt = m.pick([`${num}1`, '0.0', '1.0E-9', '99999.0', num.replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10))]); break;
        default: alt = String(Number(num) + m.pick([1, -1, 10, -10, 1000, -1000, 100000, -100000]));
      }
      if (m.chance(0.1)) {
        // Several values of the same array at once: more days that still decode, with other candles.
        let out = text;
        for (const other of (byMember.get(t.member) ?? []).filter(() => m.chance(0.05)).reverse()) out = splice(out, other.start, other.end, alt);
        return [out, `${t.member} values → ${alt}`];
      }
      return [splice(text, t.start, t.end, alt), `${t.member} ${num} → ${alt}`];
    }
  }
}

test('thousands of mutated days: same day file or same error on both paths', () => {
  const rng = new SplitMix32(SEED);
  const m = new Mutator(rng);
  const docs = ALL_DOCS.map((d) => ({ doc: d, prepared: prepare(d.text)! }));
  const MUTATIONS = 4000;
  let fastTook = 0;
  let decoded = 0;
  let refused = 0;
  const stats = new Map<string, number[]>();
  for (let i = 0; i < MUTATIONS; i++) {
    const { doc, prepared } = m.pick(docs);
    let [text, what] = mutate(m, prepared);
    // Now and then a second mutation on top of the first.
    const again = m.chance(0.15) ? prepare(text) : undefined;
    if (again) {
      const [twice, also] = mutate(m, again);
      [text, what] = [twice, `${what}; ${also}`];
    }
    const opts = optionsFor(doc, m.chance(0.7) ? 0 : m.int(VARIANTS));
    const { took, parsed } = check(`mutation ${i} of ${doc.name}: ${what}`, text, opts);
    if (took) fastTook++;
    if ('day' in parsed) decoded++;
    else refused++;
    const k = what.split(' ')[0];
    const s = stats.get(k) ?? [0, 0, 0];
    s[0]++; if (took) s[1]++; if ('day' in parsed) s[2]++;
    stats.set(k, s);
  }
  if (process.env.FASTDECODE_STATS) console.log([...stats].sort((a, b) => b[1][0] - a[1][0]).map(([k, v]) => `${k}: ${v.join('/')}`).join('\n'));
  // The mutations must reach both sides: days the fast path decodes itself, days it hands over that still
  // decode (exponents, whitespace), and refused ones.
  assert.ok(fastTook > MUTATIONS / 10, `fast path took only ${fastTook} of ${MUTATIONS} ${replay}`);
  assert.ok(decoded - fastTook > MUTATIONS / 20, `only ${decoded - fastTook} handed over and decoded ${replay}`);
  assert.ok(refused > MUTATIONS / 5, `only ${refused} refused ${replay}`);
});
