// CommitBatch: many stores committed together. Each index is replaced only after the data handed to the
// batch is durable; indexes of a lower level are renamed first; a failure renames nothing after it, leaves
// every index old or new, and removes the batch's temp files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CommitBatch } from '../../src/store/commit.js';
import { readIndexFile, writeIndexFile } from '../../src/store/indexFile.js';
import type { StoreIndex } from '../../src/store/indexFormat.js';
import { tempRoot } from './helpers.js';

const ix = (outPos: number): StoreIndex => ({ lastDate: 20260101, inPos: 64, outPos, csvPos: 0, tailCrc: 1, dataCrc: 2, finalPos: outPos, generation: 3 });
const wrap = (file: string) => (err: unknown) => new Error(`${file}: ${(err as Error).message}`);

function written(file: string, bytes: number): number {
  const fd = openSync(file, 'w');
  writeSync(fd, Buffer.alloc(bytes, 7));
  return fd;
}

test('flush: data fsynced and closed, new folders made, every index replaced; nothing before flush', async (t) => {
  const root = await tempRoot(t);
  const batch = new CommitBatch();
  const files = ['a', 'b', 'c'].map((n) => ({ name: n, dir: join(root, n), data: join(root, n, `${n}.bin`), index: join(root, n, 'index', `${n}.idx`) }));
  await writeIndexFile(files[0].index, ix(64));
  for (const [k, f] of files.entries()) {
    mkdirSync(f.dir, { recursive: true });
    batch.syncAndClose(written(f.data, 128 * (k + 1)), wrap(f.data), k === 2);
    batch.newEntryIn(f.dir, wrap(f.data));
    batch.index(f.index, ix(64 + 64 * (k + 1)), wrap(f.index), k);
  }
  assert.equal(batch.pending, 3);
  // Before flush: the old index stands, the others do not exist; their temps sit beside them.
  assert.deepEqual(await readIndexFile(files[0].index, 'Aggregate'), ix(64));
  assert.equal(await readIndexFile(files[1].index, 'Aggregate'), undefined);
  assert.equal(readdirSync(join(root, 'b', 'index')).filter((n) => n.endsWith('.tmp')).length, 1);
  await batch.flush();
  assert.equal(batch.pending, 0);
  for (const [k, f] of files.entries()) {
    assert.deepEqual(await readIndexFile(f.index, 'Aggregate'), ix(64 + 64 * (k + 1)));
    assert.deepEqual(readdirSync(join(f.dir, 'index')), [`${f.name}.idx`]);
  }
  await batch.flush(); // an empty round is a no-op
});

test('flush: a failed fsync renames nothing, removes the temps and names the store', async (t) => {
  const root = await tempRoot(t);
  const good = join(root, 'good.idx');
  const bad = join(root, 'bad.idx');
  await writeIndexFile(good, ix(64));
  const batch = new CommitBatch();
  batch.syncAndClose(written(join(root, 'good.bin'), 64), wrap('good.bin'));
  batch.waitFor(Promise.reject(new Error('EIO: i/o error, fsync')), wrap('bad.bin'));
  batch.index(good, ix(128), wrap(good));
  batch.index(bad, ix(128), wrap(bad), 1);
  await assert.rejects(batch.flush(), /bad\.bin: EIO/);
  assert.deepEqual(await readIndexFile(good, 'Aggregate'), ix(64));
  assert.equal(await readIndexFile(bad, 'Aggregate'), undefined);
  assert.deepEqual(readdirSync(root).sort(), ['good.bin', 'good.idx']);
});

test('abandon: closes the queued files (no fsync), removes the temps, commits nothing', async (t) => {
  const root = await tempRoot(t);
  const batch = new CommitBatch();
  batch.syncAndClose(written(join(root, 'x.bin'), 64), wrap('x.bin'));
  batch.index(join(root, 'x.idx'), ix(128), wrap('x.idx'));
  await batch.abandon();
  assert.deepEqual(readdirSync(root), ['x.bin']);
  await batch.flush();
  assert.deepEqual(readdirSync(root), ['x.bin']);
});
