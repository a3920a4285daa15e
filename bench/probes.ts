// Floors on one core, measured on the same data, to read the stage figures against:
//   JSON.parse of real day documents (the transform cannot be faster per core than parsing its input);
//   a plain JS loop over 64-byte records through a Float64Array (what any pass over the store costs).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { symbolFileName } from '../src/dukascopy/symbolCode.js';
import { Layout } from '../src/paths.js';
import type { RawCache } from './dataset.js';
import { median, seconds } from './measure.js';

export interface Probes {
  jsonParse: { days: number; daysPerSec: number; mbPerSec: number; candlesPerSec: number };
  recordLoop: { records: number; recordsPerSec: number; gbPerSec: number };
}

export async function measureProbes(data: RawCache, reps = 3): Promise<Probes> {
  // Up to 400 trading days of the first symbol, read once into strings.
  const cache = join(data.root, 'cache');
  const texts: string[] = [];
  const code = symbolFileName(data.spec.symbols[0].name);
  outer: for (const y of readdirSync(cache).sort()) {
    for (const m of readdirSync(join(cache, y)).sort()) {
      for (const f of readdirSync(join(cache, y, m)).sort()) {
        if (!f.startsWith(`${code}_`)) continue;
        const t = readFileSync(join(cache, y, m, f), 'utf8');
        if (!t.includes('"times":[]')) texts.push(t);
        if (texts.length >= 400) break outer;
      }
    }
  }
  const textBytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  let candles = 0;
  const parseAll = () => {
    candles = 0;
    for (const t of texts) candles += (JSON.parse(t) as { times: unknown[] }).times.length;
  };
  parseAll();
  const parse = median(await repeat(reps, parseAll));

  const layout = new Layout(data.root);
  const buf = readFileSync(layout.aggregateStore(data.spec.symbols[0].name));
  const f64 = new Float64Array(buf.buffer, buf.byteOffset + 64, (buf.length - 64) / 8);
  const records = f64.length / 8;
  let acc = 0;
  const loop = () => {
    let s = 0;
    for (let i = 0; i < records; i++) {
      const w = i * 8;
      s += f64[w] + f64[w + 1] + f64[w + 2] + f64[w + 3] + f64[w + 4] + f64[w + 5];
    }
    acc += s;
  };
  loop();
  const loopSeconds = median(await repeat(reps, loop));
  sink += acc;
  return {
    jsonParse: { days: texts.length, daysPerSec: texts.length / parse, mbPerSec: textBytes / 1e6 / parse, candlesPerSec: candles / parse },
    recordLoop: { records, recordsPerSec: records / loopSeconds, gbPerSec: (records * 64) / 1e9 / loopSeconds },
  };
}

/** Where the loop's result goes, so no engine can drop it. */
let sink = 0;

async function repeat(n: number, fn: () => void): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await seconds(fn));
  return out;
}
