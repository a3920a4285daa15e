// `candlestore build` failing safely through the real CLI: SIGKILL and SIGINT mid-build, an I/O failure
// while writing; never a file under an output name that is not whole (bad arguments: badinput.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BIN } from '../helpers/cli.js';
import { tempRoot } from '../helpers/common.js';
import { CODES, useExportFixture, oracleSeries, timeframesOnDisk } from './helpers.js';

const fixture = useExportFixture();
const build = fixture.build;

function totalRows(): number {
  return CODES.reduce((n, code) => n + timeframesOnDisk(fixture.root, code).reduce((m, tf) => m + oracleSeries(fixture.root, code, tf).records.length, 0), 0);
}

test('SIGKILL during a build leaves no file under an output name; the next build cleans up and completes', async (t) => {
  const dir = await tempRoot(t);
  const target = join(dir, 'big.csv.gz');
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, [BIN, 'build', '--root', fixture.root, '--select', '*/*', '--csv', '--compression', 'gzip', '--output', target], { stdio: 'ignore' });
    // Kill as soon as the temp file exists (the build is writing), or after 5 s at most.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !readdirSync(dir).some((n) => n.endsWith('.tmp'))) await new Promise((res) => setTimeout(res, 2));
    child.kill('SIGKILL');
    await new Promise((res) => child.once('close', res));
    assert.ok(!existsSync(target), `round ${round}: ${target} exists after SIGKILL`);
    assert.ok(readdirSync(dir).every((n) => n.startsWith('.') && n.endsWith('.tmp')), readdirSync(dir).join(', '));
  }
  const r = await build(['--select', '*/*', '--csv', '--compression', 'gzip', '--output', target]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(dir), ['big.csv.gz'], 'stale temps removed');
  assert.equal(gunzipSync(readFileSync(target)).toString('latin1').trimEnd().split('\n').length, totalRows() + 1);
});

test('SIGINT during a build: exit 130, its temp files removed, no output', async (t) => {
  const dir = await tempRoot(t);
  const target = join(dir, 'big.csv.gz');
  const child = spawn(process.execPath, [BIN, 'build', '--root', fixture.root, '--select', '*/*', '--csv', '--compression', 'gzip', '--output', target], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !readdirSync(dir).some((n) => n.endsWith('.tmp'))) await new Promise((res) => setTimeout(res, 2));
  const wasWriting = readdirSync(dir).some((n) => n.endsWith('.tmp'));
  child.kill('SIGINT');
  const code = await new Promise((res) => child.once('close', res));
  if (wasWriting && code !== 0) {
    assert.equal(code, 130, stderr);
    assert.match(stderr, /candlestore: interrupted/);
    assert.deepEqual(readdirSync(dir), [], `temps removed, nothing written (${stderr})`);
  } else {
    // The build finished before the signal landed: then the output is complete.
    assert.equal(code, 0, stderr);
    assert.deepEqual(readdirSync(dir), ['big.csv.gz']);
  }
});

test('an I/O failure while writing is exit 1 with ABORT in Build, and leaves nothing under the output name', async (t) => {
  const dir = await tempRoot(t);
  mkdirSync(join(dir, 'lake'));
  const target = join(dir, 'out.csv');
  // ulimit -f: the kernel stops the writes past 64 KiB (SIGXFSZ ignored, so write fails with EFBIG).
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" "${BIN}" build --root "${fixture.root}" --select '*/1m' --csv --output "${target}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^ABORT! Critical error in Build: cannot write .*out\.csv: .*EFBIG/m);
  assert.deepEqual(readdirSync(dir), ['lake']);
});
