// The one CSV encoder (store/csvEncoder.ts) against the plain JS definitions of the CSV mirror's line
// (docs/format.md §3): time as ISO `YYYY-MM-DD HH:MM`, prices as toFixed(decimals), volume as String(),
// for every kind of double a record can hold — decimal prices, float noise that is no decimal's nearest
// double, halfway cases, negatives, ±0, NaN, ±Infinity, huge and tiny values, 0..20 decimals — and lines
// far longer than the encoder's buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordChunk } from '../../src/store/chunk.js';
import { CsvEncoder } from '../../src/store/csvEncoder.js';
import { CsvFormatter, mirrorLines } from '../../src/store/csv.js';
import { rng } from '../helpers/common.js';

interface Row { t: number; p: number[]; v: number }

function records(rows: readonly Row[]): RecordChunk {
  const buf = Buffer.allocUnsafeSlow(rows.length * 64).fill(0);
  rows.forEach((r, i) => {
    buf.writeBigInt64LE(BigInt(r.t), i * 64);
    [...r.p, r.v].forEach((x, k) => buf.writeDoubleLE(x, i * 64 + 8 + k * 8));
  });
  return new RecordChunk(buf, 64);
}

/** The mirror line by its definition, with the language's own number formatting. */
function mirrorLine(r: Row, decimals: number): string {
  return `${new Date(r.t).toISOString().slice(0, 16).replace('T', ' ')},${r.p.map((x) => x.toFixed(decimals)).join(',')},${String(r.v)}\n`;
}

function anyDouble(r: () => number, decimals: number): number {
  const magnitude = 10 ** Math.floor(r() * 10 - 3);
  switch (Math.floor(r() * 10)) {
    case 0: return Number((r() * magnitude).toFixed(decimals)); // a stored decimal
    case 1: return Number((r() * magnitude).toFixed(decimals)) + 1e-12 * magnitude; // near one, not it
    case 2: return r() * magnitude; // any double
    case 3: return (Math.floor(r() * 1e6) + 0.5) / 10 ** decimals; // a halfway case (as far as doubles go)
    case 4: return -Number((r() * magnitude).toFixed(decimals));
    case 5: return -r() * 1e-9;
    case 6: return [0, -0, Number.NaN, Infinity, -Infinity, 1e21, 1.5e300, 5e-324, 2 ** 53, 2 ** 52 + 0.5][Math.floor(r() * 10)];
    case 7: return 0.1 + 0.2;
    case 8: return Number.MAX_SAFE_INTEGER / 10 ** Math.floor(r() * 8);
    default: return 1.005 * 10 ** Math.floor(r() * 6);
  }
}

test('mirror lines equal toFixed, String() and ISO minutes for doubles of every kind', () => {
  const r = rng(11);
  for (const decimals of [0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 20]) {
    const rows: Row[] = Array.from({ length: 4000 }, (_, i) => ({
      t: Date.UTC(1990, 0, 1) + Math.floor(r() * 2e9) * 60_000 + (i % 7 === 0 ? 59_999 : 0),
      p: [anyDouble(r, decimals), anyDouble(r, decimals), anyDouble(r, decimals), anyDouble(r, decimals)],
      v: i % 3 === 0 ? anyDouble(r, 2) : Number((r() * 10 ** Math.floor(r() * 12)).toFixed(Math.floor(r() * 9))),
    }));
    const got = mirrorLines(records(rows), decimals);
    assert.equal(got, rows.map((row) => mirrorLine(row, decimals)).join(''), `decimals ${decimals}`);
    assert.equal(new CsvFormatter(decimals).chunk(records(rows)), got);
  }
});

test('fields longer than the buffer keeps room for: the line is carried over whole, in every flavour', () => {
  const rows: Row[] = [
    { t: Date.UTC(2026, 2, 5, 7, 9), p: [1.25, 1e300, -1e300, 1.25], v: 1e300 },
    { t: Date.UTC(2026, 2, 5, 7, 10), p: [1.1, 1.1, 1.1, 1.1], v: 2 },
  ];
  for (const flavor of ['mirror', 'csv', 'mt4'] as const) {
    const parts: string[] = [];
    // The smallest buffer the encoder takes (1 KiB): every line with a 1e300 field overflows its reserve.
    const enc = new CsvEncoder(20, flavor, flavor === 'csv' ? { symbol: 'EUR-USD', timeframe: '1m' } : undefined, (b) => parts.push(b.toString('latin1')), 1);
    for (let k = 0; k < 5; k++) enc.encodeRecords(records(rows));
    enc.end();
    const text = parts.join('');
    const lines = text.split('\n').slice(0, -1);
    assert.equal(lines.length, 10, flavor);
    for (let k = 0; k < 10; k++) {
      const row = rows[k % 2];
      const fields = lines[k].split(',');
      assert.deepEqual(fields.slice(-5), [...row.p.map((x) => x.toFixed(20)), String(row.v)], `${flavor} line ${k}`);
    }
    assert.ok(parts.every((p) => p.endsWith('\n')), 'parts end at line ends');
  }
});

test('mid prices (one decimal more) and the spread column equal toFixed too', () => {
  const r = rng(5);
  const rows: Row[] = [];
  const spread = new Float64Array(3000);
  for (let i = 0; i < 3000; i++) {
    const bid = Number((r() * 10 ** Math.floor(r() * 5)).toFixed(5));
    const ask = Number((bid + r() * 0.001).toFixed(5));
    const mid = (bid + ask) / 2;
    rows.push({ t: Date.UTC(2026, 0, 1) + i * 60_000, p: [mid, mid, mid, mid], v: i });
    spread[i] = ask - bid;
  }
  let text = '';
  const enc = new CsvEncoder(6, 'csv', undefined, (b) => (text += b.toString('latin1')), 4096);
  enc.spreadDecimals = 5;
  enc.encodeRecords(records(rows), 0, rows.length, spread);
  enc.end();
  const want = rows.map((row, i) => `${new Date(row.t).toISOString().slice(0, 19).replace('T', ' ')},${row.p.map((x) => x.toFixed(6)).join(',')},${row.v},${spread[i].toFixed(5)}\n`).join('');
  assert.equal(text, want);
});
