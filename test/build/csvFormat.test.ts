// The CSV byte encoder against the plain JS definitions it must equal: prices as toFixed(decimals) of the
// stored decimal, volumes as String() (shortest round trip), times as ISO text, over random values of every
// shape (k-decimal numbers, float-noise sums, tiny and huge volumes, prices of 0..8 decimals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordChunk } from '../../src/store/chunk.js';
import { BarChunk } from '../../src/store/open.js';
import { CsvEncoder } from '../../src/build/csvFormat.js';
import { rng } from '../helpers/common.js';

function chunkOf(rows: { t: number; p: number[]; v: number }[]): BarChunk {
  const buf = Buffer.allocUnsafeSlow(rows.length * 64).fill(0);
  rows.forEach((r, i) => {
    buf.writeBigInt64LE(BigInt(r.t), i * 64);
    [...r.p, r.v].forEach((x, k) => buf.writeDoubleLE(x, i * 64 + 8 + k * 8));
  });
  return new BarChunk(new RecordChunk(buf, 64), 0, rows.length);
}

function encode(chunk: BarChunk, decimals: number, flavor: 'csv' | 'mt4', prefix?: { symbol: string; timeframe: string }): string {
  let text = '';
  const enc = new CsvEncoder(decimals, flavor, prefix, (b) => (text += b.toString('latin1')), 4096);
  enc.encode(chunk);
  enc.end();
  return text;
}

test('prices, volumes and times equal toFixed, String() and ISO text for random values of every shape', () => {
  const r = rng(7);
  for (let decimals = 0; decimals <= 8; decimals++) {
    const rows = Array.from({ length: 3000 }, (_, i) => {
      const magnitude = 10 ** Math.floor(r() * 7 - 2);
      const price = Number((r() * magnitude).toFixed(decimals));
      const kind = i % 6;
      const v = kind === 0 ? Number((r() * 10 ** Math.floor(r() * 12)).toFixed(Math.floor(r() * 9)))
        : kind === 1 ? r() * 1000 + r() * 0.1 // float noise
          : kind === 2 ? r() * 1e-7
            : kind === 3 ? Math.floor(r() * 1e13)
              : kind === 4 ? 0.1 + 0.2
                : Number((r() * 5000).toFixed(2));
      return { t: Date.UTC(2000, 0, 1) + Math.floor(r() * 1e12 / 1000) * 1000, p: [price, price, price, price], v };
    });
    const got = encode(chunkOf(rows), decimals, 'csv', { symbol: 'EUR-USD', timeframe: '1m' }).split('\n').slice(0, -1);
    rows.forEach((row, i) => {
      const pr = row.p[0].toFixed(decimals);
      assert.equal(got[i], `EUR-USD,1m,${new Date(row.t).toISOString().slice(0, 19).replace('T', ' ')},${pr},${pr},${pr},${pr},${String(row.v)}`, `decimals ${decimals} row ${i}`);
    });
  }
});

test('MT4 lines: YYYY.MM.DD,HH:MM then the prices and volume', () => {
  const t = Date.UTC(2026, 2, 5, 7, 9);
  assert.equal(encode(chunkOf([{ t, p: [1.1, 1.10023, 1.09, 1.1], v: 12.5 }]), 5, 'mt4'), '2026.03.05,07:09,1.10000,1.10023,1.09000,1.10000,12.5\n');
});
