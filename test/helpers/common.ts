// Small helpers shared by every test folder: temp roots that clean up after the test, and a deterministic
// PRNG so every random choice of a test can be replayed from its seed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
