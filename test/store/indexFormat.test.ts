// The .idx pointer file: byte layout, round trip, and each way a damaged index is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CorruptFileError } from '../../src/errors.js';
import { readIndexFile, removeStaleTempsOf, writeIndexFile } from '../../src/store/indexFile.js';
import { INDEX_SIZE, decodeIndex, encodeIndex, type StoreIndex } from '../../src/store/indexFormat.js';
import { tempRoot } from './helpers.js';

const sample: StoreIndex = { lastDate: 20240305, inPos: 64 + 64 * 1000, outPos: 64 + 64 * 123456, csvPos: 9_876_543_210, tailCrc: 0xdeadbeef, dataCrc: 0x01020304, finalPos: 64 + 64 * 123000, generation: 0xfeedf00d };

test('encodeIndex writes the documented little-endian layout', () => {
  const b = encodeIndex(sample);
  assert.equal(b.length, INDEX_SIZE);
  assert.equal(b.subarray(0, 8).toString('latin1'), 'CNDLIDX\0');
  assert.equal(b.readUInt16LE(8), 2);
  assert.equal(b.readUInt32LE(12), 20240305);
  assert.equal(b.readBigUInt64LE(16), BigInt(sample.inPos));
  assert.equal(b.readBigUInt64LE(24), BigInt(sample.outPos));
  assert.equal(b.readBigUInt64LE(32), BigInt(sample.csvPos));
  assert.equal(b.readUInt32LE(40), 0xdeadbeef);
  assert.equal(b.readUInt32LE(44), 0x01020304);
  assert.equal(b.readBigUInt64LE(48), BigInt(sample.finalPos));
  assert.equal(b.readUInt32LE(56), 0xfeedf00d);
  assert.equal(b.readUInt32LE(60), crc32(b.subarray(0, 60)));
  assert.deepEqual(decodeIndex(b, 'x.idx', 'Aggregate'), sample);
});

test('ChecksumMismatch, BadMagic, WrongLength, MisalignedOutPos are refused as BAD_INDEX', () => {
  const isBad = (e: unknown) => e instanceof CorruptFileError && e.code === 'BAD_INDEX' && e.file === 'x.idx';
  const flipped = encodeIndex(sample);
  flipped[20] ^= 1;
  assert.throws(() => decodeIndex(flipped, 'x.idx', 'Aggregate'), (e) => isBad(e) && /checksum/.test((e as Error).message));
  const magic = encodeIndex(sample);
  magic[0] = 0x41;
  assert.throws(() => decodeIndex(magic, 'x.idx', 'Aggregate'), isBad);
  assert.throws(() => decodeIndex(encodeIndex(sample).subarray(0, 40), 'x.idx', 'Aggregate'), isBad);
  assert.throws(() => decodeIndex(encodeIndex({ ...sample, outPos: 100 }), 'x.idx', 'Aggregate'), (e) => isBad(e) && /record boundary/.test((e as Error).message));
  assert.throws(() => decodeIndex(encodeIndex({ ...sample, finalPos: sample.outPos + 64 }), 'x.idx', 'Aggregate'), (e) => isBad(e) && /final_pos/.test((e as Error).message));
  const v1 = encodeIndex(sample);
  v1.writeUInt16LE(1, 8);
  v1.writeUInt32LE(crc32(v1.subarray(0, 60)), 60);
  assert.throws(() => decodeIndex(v1, 'x.idx', 'Aggregate'), (e) => isBad(e) && /older candlestore.*rebuild full/.test((e as Error).message));
});

test('index files: missing is undefined, written atomically, only own stale temps removed', async (t) => {
  const root = await tempRoot(t);
  const file = join(root, 'index', 'EUR-USD.idx');
  assert.equal(await readIndexFile(file, 'Aggregate'), undefined);
  await writeIndexFile(file, sample);
  assert.deepEqual(await readIndexFile(file, 'Aggregate'), sample);
  await writeFile(join(root, 'index', '.EUR-USD.idx.123.1.tmp'), 'x');
  await writeFile(join(root, 'index', '.GBP-USD.idx.123.1.tmp'), 'x');
  assert.equal(await removeStaleTempsOf(file), 1);
  assert.deepEqual((await readdir(join(root, 'index'))).sort(), ['.GBP-USD.idx.123.1.tmp', 'EUR-USD.idx']);
});
