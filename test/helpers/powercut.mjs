// Power-loss fault injection, for tests only: loaded into a CLI child with NODE_OPTIONS=--import=<this file>
// (plain JS: the child runs the compiled dist/, without tsx). Worker threads inherit the option, so every
// thread of the child is observed; they share the state below through files in CANDLESTORE_POWERCUT_DIR.
//
// Model (what POSIX promises, and nothing more; pessimistic where real file systems are kinder):
//   - a file's content survives only as it was at its last fsync (a file never fsynced comes back empty);
//   - a folder's entries (creations, renames, removals) survive only as they were at the folder's last fsync;
//   - everything that existed when the process started is durable.
// The shim records, at each fsync of a file or folder inside CANDLESTORE_POWERCUT_ROOT, the file's bytes or
// the folder's listing, keyed by inode + birth time (so a reused inode number is another file). It numbers
// every mutating call (write, rename, truncate, remove, fsync, …) across threads; before call number
// CANDLESTORE_POWERCUT_AT it writes the tree a power loss at that moment could leave into
// CANDLESTORE_POWERCUT_OUT and SIGKILLs the process. CANDLESTORE_POWERCUT_MODE (undo | keep | mixed) says
// which un-fsynced folder changes survive (see keepsEntries). With AT=0 it only counts (and, with
// CANDLESTORE_POWERCUT_TRACE=1, logs each call to DIR/trace), so a test can pick points of a recorded run.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const ROOT = process.env.CANDLESTORE_POWERCUT_ROOT ? resolve(process.env.CANDLESTORE_POWERCUT_ROOT) : undefined;
const DIR = process.env.CANDLESTORE_POWERCUT_DIR;
const AT = Number(process.env.CANDLESTORE_POWERCUT_AT ?? 0);
const OUT = process.env.CANDLESTORE_POWERCUT_OUT;
const TRACE = process.env.CANDLESTORE_POWERCUT_TRACE === '1';
const MODE = process.env.CANDLESTORE_POWERCUT_MODE ?? 'undo';
const SEED = Number(process.env.CANDLESTORE_POWERCUT_SEED ?? 1);

/** The real functions, captured before any patching: the shim's own I/O never counts or recurses. */
const o = {
  openSync: fs.openSync, closeSync: fs.closeSync, writeSync: fs.writeSync, fstatSync: fs.fstatSync, lstatSync: fs.lstatSync,
  readdirSync: fs.readdirSync, readFileSync: fs.readFileSync, writeFileSync: fs.writeFileSync, mkdirSync: fs.mkdirSync,
  readlinkSync: fs.readlinkSync, existsSync: fs.existsSync, statSync: fs.statSync,
};

let busy = false;
let countFd;
let traceFd;

const keyOf = (st) => `${st.ino}-${st.birthtimeNs}`;
const inside = (p) => p === ROOT || p.startsWith(ROOT + sep);

/** Entries of a folder as a power loss would keep them if it happened right after an fsync of it. */
function listing(dir) {
  const out = [];
  for (const name of o.readdirSync(dir)) {
    let st;
    try {
      st = o.lstatSync(join(dir, name), { bigint: true });
    } catch {
      continue; // removed meanwhile by another thread
    }
    if (st.isDirectory() || st.isFile()) out.push({ name, key: keyOf(st), dir: st.isDirectory() });
  }
  return out;
}

function saveDir(path, st) {
  o.writeFileSync(join(DIR, 'dirs', `${keyOf(st)}.json`), JSON.stringify(listing(path)));
}

function saveFile(path, st) {
  o.writeFileSync(join(DIR, 'files', keyOf(st)), o.readFileSync(path));
}

/** The tree as it is now counts as durable (the state before the process started). */
function snapshotInitial() {
  o.mkdirSync(join(DIR, 'dirs'), { recursive: true });
  o.mkdirSync(join(DIR, 'files'), { recursive: true });
  const walk = (path) => {
    const st = o.statSync(path, { bigint: true });
    if (st.isDirectory()) {
      saveDir(path, st);
      for (const name of o.readdirSync(path)) walk(join(path, name));
    } else if (st.isFile()) saveFile(path, st);
  };
  walk(ROOT);
  o.writeFileSync(join(DIR, 'root.json'), JSON.stringify({ key: keyOf(o.statSync(ROOT, { bigint: true })) }));
}

/** After a successful fsync of `fd`: what it covers is durable now. */
function synced(fd) {
  if (busy) return;
  busy = true;
  try {
    let path;
    try {
      path = o.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return;
    }
    if (!inside(path)) return;
    const st = o.fstatSync(fd, { bigint: true });
    if (st.nlink === 0n) return; // removed: nothing of it can come back
    if (st.isDirectory()) saveDir(path, st);
    else if (st.isFile()) saveFile(path, st);
  } finally {
    busy = false;
  }
}

/** One mutating call: number it; at the chosen number, lose power instead. */
function step(name, arg) {
  if (busy) return;
  busy = true;
  try {
    countFd ??= o.openSync(join(DIR, 'count'), 'a');
    o.writeSync(countFd, 'x');
    const n = Number(o.fstatSync(countFd).size);
    if (TRACE) {
      traceFd ??= o.openSync(join(DIR, 'trace'), 'a');
      o.writeSync(traceFd, `${n} ${name} ${typeof arg === 'string' ? arg : typeof arg === 'number' ? (pathOfFd(arg) ?? '') : ''}\n`);
    }
    if (n === AT) powerLoss();
  } finally {
    busy = false;
  }
}

function pathOfFd(fd) {
  try {
    return o.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/**
 * Whether the un-fsynced entry changes of folder `key` survive. POSIX allows either, per folder; the bad
 * case for a reader is usually "kept": a renamed or new file is there, its un-fsynced data is not (the
 * zero-length file after a crash). MODE undo: none survive; keep: all do; mixed: a seeded coin per folder.
 */
function keepsEntries(key) {
  if (MODE === 'undo') return false;
  if (MODE === 'keep') return true;
  let h = SEED >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 2654435761) >>> 0;
  return (h & 1) === 1;
}

/** Write the durable state to OUT, then die as abruptly as a power cut. */
function powerLoss() {
  const root = JSON.parse(o.readFileSync(join(DIR, 'root.json'), 'utf8')).key;
  /** `live`: the folder's current path, when it is still the same folder (for kept entries). */
  const build = (key, path, live) => {
    o.mkdirSync(path, { recursive: true });
    let entries;
    if (live !== undefined && keepsEntries(key)) entries = listing(live);
    else {
      const file = join(DIR, 'dirs', `${key}.json`);
      entries = o.existsSync(file) ? JSON.parse(o.readFileSync(file, 'utf8')) : []; // never fsynced: empty
    }
    for (const e of entries) {
      if (e.dir) {
        let now;
        try {
          now = keyOf(o.lstatSync(join(live ?? '', e.name), { bigint: true })) === e.key ? join(live, e.name) : undefined;
        } catch {
          now = undefined;
        }
        build(e.key, join(path, e.name), live === undefined ? undefined : now);
      } else {
        const data = join(DIR, 'files', e.key);
        o.writeFileSync(join(path, e.name), o.existsSync(data) ? o.readFileSync(data) : ''); // never fsynced: empty
      }
    }
  };
  build(root, OUT, ROOT);
  o.writeFileSync(join(DIR, 'crashed'), String(AT));
  process.kill(process.pid, 'SIGKILL');
}

function install() {
  if (isMainThread && !o.existsSync(join(DIR, 'root.json'))) snapshotInitial();
  const counted = (obj, name) => {
    const f = obj[name];
    if (typeof f !== 'function') return;
    obj[name] = function (...args) {
      step(name, args[0]);
      return f.apply(this, args);
    };
  };
  for (const name of ['writeSync', 'writeFileSync', 'appendFileSync', 'renameSync', 'ftruncateSync', 'truncateSync', 'rmSync', 'unlinkSync', 'mkdirSync', 'linkSync', 'write', 'writeFile', 'rename', 'ftruncate', 'truncate', 'rm', 'unlink', 'mkdir', 'link']) counted(fs, name);
  for (const name of ['writeFile', 'appendFile', 'rename', 'truncate', 'rm', 'unlink', 'mkdir', 'link']) counted(fs.promises, name);
  for (const name of ['fsyncSync', 'fdatasyncSync']) {
    const f = fs[name];
    fs[name] = function (fd) {
      step(name, fd);
      f(fd);
      synced(fd);
    };
  }
  for (const name of ['fsync', 'fdatasync']) {
    const f = fs[name];
    fs[name] = function (fd, cb) {
      step(name, fd);
      f(fd, (err) => {
        if (!err) synced(fd);
        cb(err);
      });
    };
  }
  syncBuiltinESMExports();
}

/** FileHandle methods live on a class fs/promises does not export: patch its prototype through one handle. */
async function installFileHandle() {
  const fh = await fs.promises.open(join(DIR, 'root.json'), 'r');
  const proto = Object.getPrototypeOf(fh);
  await fh.close();
  for (const name of ['sync', 'datasync']) {
    const f = proto[name];
    proto[name] = async function () {
      step(`handle.${name}`, this.fd);
      await f.call(this);
      synced(this.fd);
    };
  }
  for (const name of ['writeFile', 'write', 'truncate']) {
    const f = proto[name];
    proto[name] = function (...args) {
      step(`handle.${name}`, this.fd);
      return f.apply(this, args);
    };
  }
}

if (ROOT && DIR) {
  install();
  await installFileHandle();
}
