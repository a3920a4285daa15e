// Definition sidecars: the settings that produced a derived store, in a form a person can read
// (`…/index/SYMBOL.def.json`, docs/format.md "Definition files"). A 32-bit fingerprint alone can say *that*
// a store was built with other settings, not *which*; the sidecar keeps the values, so a run that finds a
// change can name the setting, the old and the new value. The fingerprint (written into the `.bin` headers
// as `definition`) is the CRC-32 of the definition's canonical JSON, so file and header are checked against
// each other.
//
//   { "definition": {…canonical, keys sorted…}, "fingerprint": u32, "notes": {…} }
//
// `notes` are facts that do not change the bytes of the store (which config key set a value, the
// instrument's own decimals): kept beside the definition, outside the fingerprint.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CorruptFileError, type Stage } from '../errors.js';
import { writeFileAtomic } from '../util/fsx.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface DefinitionFile {
  definition: { [key: string]: Json };
  /** CRC-32 of canonicalJson(definition), never 0 (0 in a header means "none recorded"). */
  fingerprint: number;
  notes: { [key: string]: Json };
}

/**
 * JSON with object keys sorted at every level and no whitespace: one text for one value. `memo` keeps the
 * text of each object written, for callers whose values share objects (a chain of timeframe definitions, each
 * holding its source's): only for objects that do not change afterwards.
 */
export function canonicalJson(value: Json, memo?: WeakMap<object, string>): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const known = memo?.get(value);
  if (known !== undefined) return known;
  let text: string;
  if (Array.isArray(value)) text = `[${value.map((v) => canonicalJson(v, memo)).join(',')}]`;
  else {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    text = `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k], memo)}`).join(',')}}`;
  }
  memo?.set(value, text);
  return text;
}

/** The 32-bit fingerprint of a definition; 0 is kept for "none recorded", so a CRC of 0 becomes 1. `memo`: see canonicalJson. */
export function definitionFingerprint(definition: { [key: string]: Json }, memo?: WeakMap<object, string>): number {
  return crc32(canonicalJson(definition, memo)) || 1;
}

export function definitionFile(definition: { [key: string]: Json }, notes: { [key: string]: Json } = {}): DefinitionFile {
  return { definition, fingerprint: definitionFingerprint(definition), notes };
}

/** The sidecar at `file`, or undefined when there is none. A file that does not parse or check is corrupt. */
export function readDefinitionFile(file: string, stage: Stage): DefinitionFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CorruptFileError(stage, file, `cannot read: ${(err as Error).message}`, undefined, 'IO_ERROR');
  }
  const bad = (why: string) =>
    new CorruptFileError(stage, file, `definition file damaged: ${why}; delete it and rebuild the store it describes (\`candlestore rebuild\`)`, undefined, 'BAD_DEFINITION');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bad(`invalid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc) || !isObject(doc.definition) || !isObject(doc.notes) || typeof doc.fingerprint !== 'number') throw bad('expected {definition, fingerprint, notes}');
  const def = doc.definition as { [key: string]: Json };
  // A file as writeDefinitionFile wrote it holds the definition's canonical text verbatim: its CRC is taken
  // on those bytes, sparing every run the re-canonicalisation of ~10 nested definitions per symbol. Any
  // other layout (a file edited by hand) takes the full check below.
  if (writtenFingerprint(text) === doc.fingerprint) return { definition: def, fingerprint: doc.fingerprint, notes: doc.notes as { [key: string]: Json } };
  if (definitionFingerprint(def) !== doc.fingerprint) throw bad(`fingerprint ${doc.fingerprint} is not the CRC-32 of its definition (${definitionFingerprint(def)})`);
  return { definition: def, fingerprint: doc.fingerprint, notes: doc.notes as { [key: string]: Json } };
}

const WRITTEN_PREFIX = '{"definition":';
const WRITTEN_FINGERPRINT = ',"fingerprint":';

/** The CRC of the text between `{"definition":` and the first `,"fingerprint":` (see writeDefinitionFile), or undefined. */
function writtenFingerprint(text: string): number | undefined {
  if (!text.startsWith(WRITTEN_PREFIX)) return undefined;
  const end = text.indexOf(WRITTEN_FINGERPRINT, WRITTEN_PREFIX.length);
  return end < 0 ? undefined : crc32(text.slice(WRITTEN_PREFIX.length, end)) || 1;
}

/** Write the sidecar durably (temp + fsync + rename + folder fsync): it must be on disk before the data it describes. */
export async function writeDefinitionFile(file: string, def: DefinitionFile): Promise<void> {
  const text = `{"definition":${canonicalJson(def.definition)},"fingerprint":${def.fingerprint},"notes":${canonicalJson(def.notes)}}\n`;
  await writeFileAtomic(file, text, { durable: true });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
