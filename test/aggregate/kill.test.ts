// A real kill -9: aggregation over many day files in a child process, SIGKILLed at 20 random moments
// (the live day growing, revised and then closing between runs, as in production), rerun each time; the final
// store, CSV mirror and index must be byte-identical to one uninterrupted run over the same final inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Layout } from '../../src/paths.js';
import { readIndexFile } from '../../src/store/indexFile.js';
import { DAY, dayCandles, dayFileBytes, rng, tempRoot, utcDay, writeDay } from '../store/helpers.js';
import { SYMBOL, storeFiles, writeClosedDays } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/aggregateOnce.ts', import.meta.url));
const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
const FIRST = utcDay('2023-01-02');
const N_DAYS = 200;
const COMMIT_BYTES = 64 * 1024;
const KILLS = 20;
const L1 = FIRST + N_DAYS * DAY;
const L2 = L1 + DAY;

interface ChildResult { killed: boolean; ms: number; stdout: string }

function runChild(root: string, killAfterMs?: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, root, SYMBOL, String(COMMIT_BYTES)], { cwd: PROJECT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (!started && stdout.includes('start\n')) {
        started = performance.now();
        if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = started ? performance.now() - started : 0;
      if (signal === 'SIGKILL') resolve({ killed: true, ms, stdout });
      else if (code === 0) resolve({ killed: false, ms, stdout });
      else reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

async function committedBytes(layout: Layout): Promise<number> {
  const ix = await readIndexFile(layout.aggregateIndex(SYMBOL), 'Aggregate');
  return ix?.outPos ?? 0;
}

/**
 * Inputs of step i of the schedule: L1 live and growing for i < 10, then closed, L2 live and growing. Odd
 * steps revise an early minute of the live day (the server corrects minutes it served), so the provisional
 * tail is rewritten in place, not only extended, while the kills land.
 */
async function setLive(layout: Layout, step: number): Promise<void> {
  const live = (day: number, toMinute: number) => {
    const candles = dayCandles(day, { toMinute }).map((c, i) => (i === 3 && step % 2 === 1 ? { ...c, close: c.low, volume: c.volume + step } : c));
    return writeDay(layout, SYMBOL, day, dayFileBytes(SYMBOL, candles), true);
  };
  if (step < 10) {
    await live(L1, 600 + 50 * step);
    return;
  }
  await writeDay(layout, SYMBOL, L1, dayFileBytes(SYMBOL, dayCandles(L1)));
  await rm(layout.liveTransformDay(SYMBOL, L1), { force: true });
  await live(L2, 100 + 60 * (step - 10));
}

test('kill -9 at 20 random moments, rerun each time: byte-identical to an uninterrupted run', { timeout: 120_000 }, async (t) => {
  const seed = Number(process.env.CANDLESTORE_KILL_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (set CANDLESTORE_KILL_SEED to replay)`);
  const rand = rng(seed);

  const clean = new Layout(await tempRoot(t));
  await writeClosedDays(clean, FIRST, N_DAYS);
  await setLive(clean, KILLS);
  const reference = await runChild(clean.root);
  const want = await storeFiles(clean);

  const crashed = new Layout(await tempRoot(t));
  await writeClosedDays(crashed, FIRST, N_DAYS);
  let kills = 0;
  for (let i = 0; i < KILLS; i++) {
    await setLive(crashed, i);
    // Aim the kill inside the work left: the fraction of the final store not yet committed.
    const left = 1 - (await committedBytes(crashed)) / want.store.length;
    const r = await runChild(crashed.root, rand() * Math.max(5, reference.ms * left * 0.6));
    if (r.killed) kills++;
  }
  await setLive(crashed, KILLS);
  const last = await runChild(crashed.root);
  assert.match(last.stdout, /^start\ndone /m);
  t.diagnostic(`clean run ${reference.ms.toFixed(0)} ms, ${kills} of ${KILLS} runs killed mid-work`);
  assert.ok(kills >= 5, `only ${kills} kills landed while the child was working`);

  const got = await storeFiles(crashed);
  assert.ok(got.store.equals(want.store), 'store differs from the uninterrupted run');
  assert.ok(got.csv!.equals(want.csv!), 'CSV mirror differs from the uninterrupted run');
  assert.ok(got.index.equals(want.index), 'index differs from the uninterrupted run');
});
