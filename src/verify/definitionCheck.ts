// The 1m store against its definition file (docs/format.md section 9): the file must parse and check, and
// record the fingerprint the store's header carries; otherwise a run would judge the store by settings it
// was not built with. (Whether the config still matches is `run`'s check: it stops and names the rebuild.)
import { CorruptFileError } from '../errors.js';
import { readDefinitionFile } from '../store/definition.js';
import type { FileCheck } from './types.js';

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

export const definitionCheck: FileCheck = {
  name: 'definition',
  async run(ctx) {
    const file = ctx.target.index.replace(/\.idx$/, '.def.json');
    let recorded;
    try {
      recorded = readDefinitionFile(file, 'Verify');
    } catch (err) {
      if (!(err instanceof CorruptFileError)) throw err;
      ctx.damage('definition', err.message);
      return;
    }
    if (!recorded) {
      // A header without a fingerprint (0) records nothing to compare.
      if (ctx.header.definition !== 0) ctx.warn('definition', `no definition file ${file}: the settings the store was built with are known only by the fingerprint ${hex(ctx.header.definition)} in its header; the next run writes the file when the config matches it`);
    } else if (recorded.fingerprint !== ctx.header.definition) {
      ctx.damage('definition', `the store was built with settings of fingerprint ${hex(ctx.header.definition)} but its definition file ${file} records ${hex(recorded.fingerprint)}; run \`candlestore rebuild full\``);
    }
  },
};
