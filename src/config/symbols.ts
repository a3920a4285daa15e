// Symbol names (`EUR/USD`, `AUS.IDX/AUD`) and the symbols.txt list. A name becomes a file name and a URL
// path segment, so anything that could escape a directory or is not a plausible instrument is refused here
// (with the nearest names of the built-in catalogue). Whether the service knows a well-formed name is its
// instrument document's to say (download/instruments.ts), before any day is fetched.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { MAX_HEADER_SYMBOL } from '../store/format.js';
import { KNOWN_INSTRUMENTS, nearestNames } from '../dukascopy/catalogue.js';

// BASE/QUOTE, each part upper-case letters/digits with single dots between (no leading dot, no `..`).
const PART = '[A-Z0-9]+(?:\\.[A-Z0-9]+)*';
const SYMBOL_RE = new RegExp(`^${PART}/${PART}$`);
const MAX_SYMBOL_LENGTH = MAX_HEADER_SYMBOL; // fits the symbol field of the .bin header

/** Why `name` is not a valid symbol, or undefined when it is. */
export function symbolProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.length > MAX_SYMBOL_LENGTH) return `longer than ${MAX_SYMBOL_LENGTH} characters`;
  if (/[\\\0]|\.\./.test(name) || name.startsWith('/') || name.startsWith('.')) return 'contains a path component';
  if (!SYMBOL_RE.test(name)) {
    if (SYMBOL_RE.test(name.toUpperCase())) return `must be upper case (${name.toUpperCase()})`;
    return 'want BASE/QUOTE of upper-case letters, digits and dots, e.g. EUR/USD or AUS.IDX/AUD';
  }
  // `EUR-USD.ASK` names the ASK side of EUR/USD (dukascopy/series.ts): no symbol may spell it.
  if (/\.(?:ASK|BID)$/.test(name)) return 'ends with .ASK or .BID, which names a side of a symbol (list both sides with `sides: [BID, ASK]` in config.yaml)';
  return undefined;
}

export function assertSymbol(name: string, where?: string): string {
  const problem = symbolProblem(name);
  if (problem) {
    // `EURUSD`, `eur/usd`: name the real instruments it is closest to (the built-in catalogue).
    const near = nearestNames(name, KNOWN_INSTRUMENTS);
    throw new ConfigError(`bad symbol name ${JSON.stringify(name)}: ${problem}${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}`, where, 'BAD_SYMBOL');
  }
  return name;
}

/** Parse symbols.txt text: one name a line, `#` starts a comment, blank lines ignored, duplicates refused. */
export function parseSymbolList(text: string, file: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const name = raw.replace(/#.*/, '').trim();
    if (!name) return;
    assertSymbol(name, `${file}:${i + 1}`);
    if (seen.has(name)) throw new ConfigError(`duplicate symbol ${name}`, `${file}:${i + 1}`, 'BAD_SYMBOL');
    seen.add(name);
    out.push(name);
  });
  return out;
}

/**
 * `--symbols A,B`: the same rules as symbols.txt (valid names, no duplicates: two workers on one store would
 * race), and at least one name (an empty selection is a mistake, not "use symbols.txt").
 */
export function parseSymbolsOption(text: string): string[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.length === 1 && names[0] === '') throw new ConfigError('bad symbol name "": an empty selection (give at least one name, or leave the option out to use symbols.txt)', '--symbols', 'BAD_SYMBOL');
  const seen = new Set<string>();
  for (const name of names) {
    assertSymbol(name, '--symbols');
    if (seen.has(name)) throw new ConfigError(`duplicate symbol ${name}`, '--symbols', 'BAD_SYMBOL');
    seen.add(name);
  }
  return names;
}

/** symbols.user.txt when present, else symbols.txt, under `root`. */
export async function loadSymbols(root: string): Promise<{ symbols: string[]; file: string }> {
  for (const name of ['symbols.user.txt', 'symbols.txt']) {
    const file = join(root, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError(`cannot read: ${(err as Error).message}`, file);
    }
    const symbols = parseSymbolList(text, file);
    if (symbols.length === 0) throw new ConfigError('lists no symbols', file, 'BAD_SYMBOL');
    return { symbols, file };
  }
  throw new ConfigError(`no symbols.txt in ${root}`, undefined, 'BAD_SYMBOL');
}
