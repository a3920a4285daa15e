// The cache MANIFEST (docs/format.md §7): lines written by concurrent downloads of one month all land, sorted
// and without duplicates, so the file does not depend on the order downloads finished; a body matches only a
// recorded (size, CRC-32); another body for the same name is a second line, both accepted; a damaged line is
// counted and ignored, never trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { matchesRecorded, readManifest, recordCacheBody } from '../../src/store/cacheManifest.js';
import { tempRoot } from './helpers.js';

const bodyOf = (i: number) => Buffer.from(JSON.stringify({ timestamp: i, volumes: [i, i + 1] }));

test('concurrent records of one month: every line lands, sorted, each once; the order of completion does not matter', async (t) => {
  const root = await tempRoot(t);
  const a = join(root, 'a/2026/04');
  const b = join(root, 'b/2026/04');
  const names = Array.from({ length: 20 }, (_, i) => `EUR-USD_202604${String(i + 1).padStart(2, '0')}.json`);
  // Same bodies, recorded in opposite orders, some twice: byte-identical manifests.
  await Promise.all(names.map((n, i) => recordCacheBody(join(a, n), bodyOf(i))));
  await Promise.all([...names.entries()].reverse().map(([i, n]) => recordCacheBody(join(b, n), bodyOf(i))));
  await Promise.all(names.slice(0, 5).map((n, i) => recordCacheBody(join(b, n), bodyOf(i))));
  const text = readFileSync(join(a, 'MANIFEST'), 'latin1');
  assert.equal(readFileSync(join(b, 'MANIFEST'), 'latin1'), text);
  const lines = text.split('\n').slice(1, -1);
  assert.equal(lines.length, names.length);
  // Each line checked independently: name, size, CRC-32 of the body, CRC-32 of the text before it.
  for (const [i, n] of names.entries()) {
    const body = bodyOf(i);
    const head = `${n} ${body.length} ${crc32(body).toString(16).padStart(8, '0')}`;
    assert.equal(lines[i], `${head} ${crc32(head).toString(16).padStart(8, '0')}`);
  }
  const m = readManifest(a);
  assert.equal(m.badLines, 0);
  assert.equal(matchesRecorded(bodyOf(3), m.entries.get(names[3])), true);
  assert.equal(matchesRecorded(bodyOf(4), m.entries.get(names[3])), false, 'another body');
  const flipped = Buffer.from(bodyOf(3));
  flipped[flipped.length - 3] ^= 1;
  assert.equal(matchesRecorded(flipped, m.entries.get(names[3])), false, 'a flipped bit');
  assert.equal(matchesRecorded(bodyOf(3), m.entries.get('XAU-USD_20260401.json')), undefined, 'nothing recorded');
});

test('a day downloaded again with another body: both bodies are accepted; a damaged line is counted, not trusted', async (t) => {
  const dir = join(await tempRoot(t), '2026/04');
  const file = join(dir, 'EUR-USD_20260401.json');
  await recordCacheBody(file, bodyOf(1));
  await recordCacheBody(file, bodyOf(2));
  let m = readManifest(dir);
  assert.equal(m.entries.get('EUR-USD_20260401.json')?.length, 2);
  assert.equal(matchesRecorded(bodyOf(1), m.entries.get('EUR-USD_20260401.json')), true);
  assert.equal(matchesRecorded(bodyOf(2), m.entries.get('EUR-USD_20260401.json')), true);
  // Damage one line's body CRC: its line_crc no longer holds.
  const text = readFileSync(join(dir, 'MANIFEST'), 'latin1').split('\n');
  text[1] = text[1].replace(/ ([0-9a-f])([0-9a-f]{7}) /, (_, d: string, rest: string) => ` ${d === '0' ? '1' : '0'}${rest} `);
  writeFileSync(join(dir, 'MANIFEST'), text.join('\n'));
  m = readManifest(dir);
  assert.equal(m.badLines, 1);
  assert.equal(m.entries.get('EUR-USD_20260401.json')?.length, 1);
});
