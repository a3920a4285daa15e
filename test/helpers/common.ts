// Small helpers shared by every test folder: temp roots that clean up after the test, and a deterministic
// PRNG so every random choice of a test can be replayed from its seed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export async function tempRoot(t?: { after(fn: () => Promise<void>): void }, prefix = 'candlestore-test-'): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  t?.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `bytes` of the file `rel` with its generation id set to 0 (and the CRC that covers it recomputed, so it is
 * still a valid file). A store's generation
 * (docs/format.md) is drawn at random for each incarnation of the file, by design: two runs that build the
 * same data differ only there, so byte-for-byte comparisons of runs compare the rest. Other files are
 * returned unchanged. Whether a store and its index still carry the same generation is checked apart
 * (test/helpers/reliability.ts treeDiff).
 */
export function maskGeneration(rel: string, bytes: Buffer): Buffer {
  return withGeneration(rel, bytes, 0);
}

/** `bytes` of the store or index `rel` as if its generation were `generation` (other files: unchanged). */
export function withGeneration(rel: string, bytes: Buffer, generation: number): Buffer {
  const magic = bytes.subarray(0, 8).toString('latin1');
  if (rel.endsWith('.bin') && bytes.length >= 64 && magic === 'CNDLSTR\0') return rewritten(bytes, 48, generation);
  if (rel.endsWith('.idx') && bytes.length === 64 && magic === 'CNDLIDX\0') return rewritten(bytes, 56, generation);
  return bytes;
}

function rewritten(bytes: Buffer, generationAt: number, generation: number): Buffer {
  const out = Buffer.from(bytes);
  out.writeUInt32LE(generation >>> 0, generationAt);
  out.writeUInt32LE(crc32(out.subarray(0, 60)), 60);
  return out;
}
