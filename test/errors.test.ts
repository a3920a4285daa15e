// The error-code registry (ERROR_CODES in src/errors.ts) is the one source of codes, stages, exit codes and
// meanings: the README's table must be exactly the one rendered from it, every registered code must be
// raised somewhere in src/, and the error classes must take their exit codes from it. The stage an ABORT
// line names is the one the error belongs to, whichever stage met it (CLI against sim).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CancelledError, ConfigError, CorruptFileError, DownloadError, ERROR_CODES, InterruptedError, LockHeldError, describeFailure, type ErrorCode,
} from '../src/errors.js';
import { startSim } from '../src/sim/server.js';
import { makeRoot, runCli } from './helpers/cli.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const START = '<!-- error-codes: generated from ERROR_CODES in src/errors.ts, checked by test/errors.test.ts -->';
const END = '<!-- /error-codes -->';

/** The README table of ERROR_CODES, in registry order. */
function renderTable(): string {
  const rows = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => {
    const { stages, exit, meaning } = ERROR_CODES[code];
    const where = stages === 'any' ? 'any (the stage at work)' : stages.join(', ');
    return `| \`${code}\` | ${where} | ${exit} | ${meaning.replace(/\|/g, '\\|')} |`;
  });
  return [START, '| code | stage | exit | meaning |', '|---|---|---|---|', ...rows, END].join('\n');
}

test("the README's error table is the one rendered from ERROR_CODES", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(START);
  const end = readme.indexOf(END);
  assert.ok(at >= 0 && end > at, `README.md has no generated error table; paste this under "Errors and exit codes":\n${renderTable()}`);
  assert.equal(readme.slice(at, end + END.length), renderTable(), `README.md's error table differs from ERROR_CODES; replace it with:\n${renderTable()}`);
});

test('every registered code is raised somewhere in src/, and every exit code is in the README', () => {
  const sources: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith(join('src', 'errors.ts'))) sources.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(ROOT, 'src'));
  const all = sources.join('\n');
  // Codes the classes in errors.ts raise themselves (their constructors name them there).
  const raisedInErrors = new Set(['LOCK_HELD', 'CANCELLED', 'INTERRUPTED', 'CORRUPT_FILE', 'CONFIG_INVALID']);
  const unused = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => !raisedInErrors.has(c) && !all.includes(`'${c}'`));
  assert.deepEqual(unused, [], 'registered codes that nothing raises');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const exit of new Set(Object.values(ERROR_CODES).map((e) => e.exit))) {
    assert.match(readme, new RegExp(`^\\| ${exit} \\|`, 'm'), `exit code ${exit} is not in the README's exit table`);
  }
});

test('error classes take their exit codes from the registry; an interruption is reported as `interrupted`', () => {
  assert.equal(new ConfigError('x').exitCode, 2);
  assert.equal(new ConfigError('x', undefined, 'BAD_USAGE').exitCode, ERROR_CODES.BAD_USAGE.exit);
  assert.equal(new LockHeldError('f', 1).exitCode, 3);
  assert.equal(new DownloadError('RETRIES_EXHAUSTED', 'EUR/USD', '2026-01-02', 'x').exitCode, 1);
  assert.equal(new CorruptFileError('Aggregate', 'f', 'x', undefined, 'STORE_DAMAGED').stage, 'Aggregate');
  assert.equal(new CancelledError('Download').exitCode, 1);
  const interrupted = describeFailure(new InterruptedError('Transform', 'SIGINT'), 'Config');
  assert.deepEqual(interrupted, { line: 'candlestore: interrupted', exitCode: 130 });
  assert.deepEqual(describeFailure(new CorruptFileError('Resample', 'a.bin', 'bad', 64, 'RESAMPLE_DAMAGED'), 'Config'), {
    line: 'ABORT! Critical error in Resample: bad (a.bin at byte 64)',
    exitCode: 1,
  });
});

test('the ABORT line names the stage the error belongs to: a damaged aggregate index is Aggregate, a lock that cannot be made is Lock', async (t) => {
  const NOW = '2026-04-15T10:00:00Z';
  const sim = await startSim({ host: '127.0.0.1', port: 0, seed: 5, now: Date.parse(NOW) });
  const root = makeRoot(sim.url, ['EUR/USD']);
  t.after(async () => {
    await sim.close();
    rmSync(root, { recursive: true, force: true });
  });
  const args = ['run', '--root', root, '--from', '2026-04-10', '--now', NOW, '-q'];
  assert.equal((await runCli(args)).code, 0);

  // The index is read first by the download stage (where to resume): still an Aggregate error.
  const index = join(root, 'data/aggregate/1m/index/EUR-USD.idx');
  const bytes = readFileSync(index);
  bytes[20] ^= 0x40;
  writeFileSync(index, bytes);
  const damaged = await runCli(args);
  assert.equal(damaged.code, 1, damaged.stderr);
  assert.match(damaged.stderr, /^ABORT! Critical error in Aggregate: store damaged: .*EUR-USD\.idx/m);

  // data/locks is a file: the lock cannot be created. A Lock error, exit 1 (not a Config error).
  rmSync(join(root, 'data/locks'), { recursive: true, force: true });
  writeFileSync(join(root, 'data/locks'), '');
  const noLock = await runCli(args);
  assert.equal(noLock.code, 1, noLock.stderr);
  assert.match(noLock.stderr, /^ABORT! Critical error in Lock: cannot create the run lock .*run\.lock: /m);
});
