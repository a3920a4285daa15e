// Independent re-implementations used as test oracles. They share no code with src/: the Dukascopy decode
// is cumulative integer sums with the decimal text `n e-k` parsed by Number; the .bin reader uses DataView
// at the byte offsets documented in docs/format.md.
import { readFileSync } from 'node:fs';

export interface OracleCandle {
  ts: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  /** index of the row in the JSON arrays */
  row: number;
}

export function independentDecode(text: string, decimals?: number, shiftMs = 0): OracleCandle[] {
  const j = JSON.parse(text);
  const k = Math.round(-Math.log10(j.multiplier));
  const d = decimals ?? k;
  const toUnits = (v: number) => Math.round(v * 10 ** k);
  const sums = { o: toUnits(j.open), h: toUnits(j.high), l: toUnits(j.low), c: toUnits(j.close) };
  const round = (units: number) => {
    if (d >= k) return Number(`${units}e-${k}`);
    const p = 10 ** (k - d);
    const q = Math.sign(units) * Math.floor(Math.abs(units) / p + 0.5);
    return Number(`${q}e-${d}`);
  };
  const out: OracleCandle[] = [];
  let t = j.timestamp;
  for (let i = 0; i < j.times.length; i++) {
    t += j.times[i] * j.shift;
    sums.o += j.opens[i];
    sums.h += j.highs[i];
    sums.l += j.lows[i];
    sums.c += j.closes[i];
    if (j.volumes[i] === 0) continue;
    out.push({ ts: t + shiftMs, o: round(sums.o), h: round(sums.h), l: round(sums.l), c: round(sums.c), v: j.volumes[i], row: i });
  }
  return out;
}

export interface BinRecord {
  ts: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  src: number;
  origin: number;
  flags: number;
  count: number;
}

export interface BinFile {
  magic: string;
  version: number;
  recordSize: number;
  decimals: number;
  timeframe: string;
  symbol: string;
  generation: number;
  bodyCrc: number;
  definition: number;
  records: BinRecord[];
}

const ascii = (b: Buffer, from: number, len: number) => b.subarray(from, from + len).toString('latin1').replace(/\0+$/, '');

export function readBin(file: string): BinFile {
  const b = readFileSync(file);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const records: BinRecord[] = [];
  for (let at = 64; at + 64 <= b.length; at += 64) {
    records.push({
      ts: Number(dv.getBigInt64(at, true)),
      o: dv.getFloat64(at + 8, true),
      h: dv.getFloat64(at + 16, true),
      l: dv.getFloat64(at + 24, true),
      c: dv.getFloat64(at + 32, true),
      v: dv.getFloat64(at + 40, true),
      src: Number(dv.getBigUint64(at + 48, true)),
      origin: dv.getInt16(at + 56, true),
      flags: dv.getUint16(at + 58, true),
      count: dv.getUint32(at + 60, true),
    });
  }
  return {
    magic: ascii(b, 0, 8),
    version: dv.getUint16(8, true),
    recordSize: dv.getUint16(10, true),
    decimals: b[12],
    timeframe: ascii(b, 16, 8),
    symbol: ascii(b, 24, 24),
    generation: dv.getUint32(48, true),
    bodyCrc: dv.getUint32(52, true),
    definition: dv.getUint32(56, true),
    records,
  };
}
