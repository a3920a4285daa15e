// `candlestore demo` leaves a root a user can keep using: its config.yaml points download.base_url at the
// address `candlestore sim --port P` serves, its symbols.txt lists the symbols it ran with, and its summary
// says how to refresh it. Proved as a user would: demo, then `candlestore sim` started by hand as a child,
// then a plain `candlestore run --root` and `verify` on that root; then `demo` again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BIN, runCli } from '../helpers/cli.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A port that was free a moment ago (the kernel does not hand it out again at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function untilListening(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(`${url}/v1/instruments/EUR-USD`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listens at ${url}`);
}

test('a demo root keeps working: its config and symbols are the ones it ran with, and `run` against a sim started by hand refreshes it', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'cs-demo-'));
  dirs.push(parent);
  const root = join(parent, 'demo-data');
  const port = await freePort();
  const demo = await runCli(['demo', '--root', root, '--days', '3', '--symbols', 'EUR/USD,XAU/USD', '--port', String(port)]);
  assert.equal(demo.code, 0, demo.stderr);

  const config = parse(readFileSync(join(root, 'config.yaml'), 'utf8'));
  assert.equal(config.download.base_url, `http://127.0.0.1:${port}`);
  const symbols = readFileSync(join(root, 'symbols.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(symbols, ['EUR/USD', 'XAU/USD']);
  // The summary says how to refresh the root: demo again, or sim by hand + run.
  assert.match(demo.stdout, new RegExp(`candlestore demo --root ${root}`));
  assert.match(demo.stdout, new RegExp(`candlestore sim --port ${port}\\b.*candlestore run --root ${root}`));

  // The user starts the sim by hand and runs the pipeline on the demo root with nothing else.
  const sim = spawn(process.execPath, [BIN, 'sim', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let simErr = '';
  sim.stderr.on('data', (d) => (simErr += d));
  const simExit = new Promise<number | null>((r) => sim.on('close', (code) => r(code)));
  try {
    await untilListening(`http://127.0.0.1:${port}`);
    const run = await runCli(['run', '--root', root]);
    assert.equal(run.code, 0, `${run.stderr}\n${simErr}`);
    assert.match(run.stdout, /Summary:/);
    const verify = await runCli(['verify', '--root', root]);
    assert.equal(verify.code, 0, verify.stdout);
  } finally {
    sim.kill('SIGTERM');
  }
  assert.equal(await simExit, 0, simErr);

  // `demo` again on the same root: its symbols stay, only what is new is fetched (the live day, at most
  // one more if midnight passed).
  const again = await runCli(['demo', '--root', root, '--days', '3', '--port', String(port)]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /2 symbols/);
  const downloaded = Number(/(\d+) days downloaded/.exec(again.stdout)?.[1]);
  assert.ok(downloaded <= 4, `demo again downloaded ${downloaded} days:\n${again.stdout}`);
});

test('demo refuses bad --port, --days and duplicate --symbols with exit 2', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cs-demo-'));
  dirs.push(root);
  for (const args of [['--port', '70000'], ['--days', '0'], ['--symbols', 'EUR/USD,EUR/USD']]) {
    const r = await runCli(['demo', '--root', root, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});
