// Definition sidecars (store/definition.ts): a file as written is read back by its verbatim canonical text;
// any other layout gets the full check; a changed definition or fingerprint is BAD_DEFINITION in both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptFileError } from '../../src/errors.js';
import { canonicalJson, definitionFile, definitionFingerprint, readDefinitionFile, writeDefinitionFile } from '../../src/store/definition.js';
import { tempRoot } from '../helpers/common.js';

// Nested like a timeframe's definition (each carries its source's), keys deliberately out of order.
const DEF = {
  rule: '1h',
  source: '30m',
  origin: 'session',
  session: null,
  source_definition: { source: '1m', rule: '30m', source_definition: { time_shift: { fixed_ms: 0 }, decimals: 5 } },
};

function badDefinition(file: string): (err: unknown) => boolean {
  return (err) => err instanceof CorruptFileError && err.code === 'BAD_DEFINITION' && err.file === file;
}

test('a definition file reads back as written, and in any other JSON layout too', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'X.def.json');
  const written = definitionFile(DEF, { instrument_decimals: 5, fingerprint: 'a note may use the word' });
  await writeDefinitionFile(file, written);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith(`{"definition":${canonicalJson(DEF)},"fingerprint":${written.fingerprint},`), text);
  assert.deepEqual(readDefinitionFile(file, 'Resample'), written);
  // Pretty-printed by hand: not the written layout, so the definition is canonicalised and checked in full.
  writeFileSync(file, JSON.stringify(JSON.parse(text), null, 2));
  assert.deepEqual(readDefinitionFile(file, 'Resample'), written);
  // Keys in another order, and the fingerprint first.
  const doc = JSON.parse(text) as { fingerprint: number; notes: unknown; definition: unknown };
  writeFileSync(file, JSON.stringify({ fingerprint: doc.fingerprint, notes: doc.notes, definition: doc.definition }));
  assert.deepEqual(readDefinitionFile(file, 'Resample'), written);
});

test('a changed definition or fingerprint is BAD_DEFINITION, in the written layout and in any other', async (t) => {
  const dir = await tempRoot(t);
  const file = join(dir, 'X.def.json');
  await writeDefinitionFile(file, definitionFile(DEF));
  const text = readFileSync(file, 'utf8');
  // One value inside the verbatim canonical text changed, fingerprint kept.
  const edited = text.replace('"rule":"30m"', '"rule":"15m"');
  assert.notEqual(edited, text);
  writeFileSync(file, edited);
  assert.throws(() => readDefinitionFile(file, 'Resample'), badDefinition(file));
  // The same edit pretty-printed.
  writeFileSync(file, JSON.stringify(JSON.parse(edited), null, 2));
  assert.throws(() => readDefinitionFile(file, 'Resample'), badDefinition(file));
  // The definition kept, the fingerprint changed.
  const fp = (JSON.parse(text) as { fingerprint: number }).fingerprint;
  writeFileSync(file, text.replace(`"fingerprint":${fp}`, `"fingerprint":${fp ^ 1}`));
  assert.throws(() => readDefinitionFile(file, 'Resample'), badDefinition(file));
  // Whitespace added inside the definition of the written layout: its text is no longer canonical, the full
  // check parses it and finds the definition unchanged.
  writeFileSync(file, text.replace('"rule":"30m"', '"rule": "30m"'));
  assert.equal(readDefinitionFile(file, 'Resample')!.fingerprint, fp);
});

test('canonical text with a memo of shared objects equals the text without one, at every level of a chain', () => {
  const memo = new WeakMap<object, string>();
  let def: { [key: string]: import('../../src/store/definition.js').Json } = { timeframe: '1m', time_shift: { fixed_ms: 0 } };
  const chain = [];
  for (const [name, source] of [['5m', '1m'], ['15m', '5m'], ['1h', '15m'], ['1d', '1h'], ['1W', '1d']]) {
    def = { timeframe: name, source, rule: name, session: null, label: 'left', list: [1, { b: 2, a: 1 }], source_definition: def };
    chain.push(def);
  }
  // Fingerprints in dependency order with one memo (as resolveSymbolPlan does), then each afresh.
  const memoised = chain.map((d) => definitionFingerprint(d, memo));
  assert.deepEqual(memoised, chain.map((d) => definitionFingerprint(d)));
  assert.equal(canonicalJson(chain[4], memo), canonicalJson(chain[4]));
  assert.equal(new Set(memoised).size, chain.length);
});
