// `--select SPEC` of `build`: which series to export.
//   SPEC     := SYMBOL [":" MOD]* "/" TFITEM ("," TFITEM)*
//   TFITEM   := TF [":" MOD]*
//   SYMBOL   := file-name form (`EUR-USD`, `AUS.IDX-AUD`), `*` matches any run of characters (`*-USD`, `*`)
//   TF       := a built timeframe name (`1m`, `1h`, …) or `*` (every timeframe built for the symbol)
//   MOD      := "skiplast"  (drop the still-open last bar; on the symbol it applies to all its TFs)
// Selections resolve against the stores that exist; something that matches nothing is an error naming it
// and listing what exists (exit 2), or with --force a warning and nothing.
import { ConfigError, NotFoundError } from '../errors.js';
import { fileSymbolOf, sortTimeframes, type CandleStore } from '../store/open.js';

export const MODIFIERS = ['skiplast'] as const;
export type Modifier = (typeof MODIFIERS)[number];

export interface SelectSpec {
  text: string;
  symbol: string;
  symbolMods: Modifier[];
  timeframes: { name: string; mods: Modifier[] }[];
}

/** One series to export. */
export interface Selection {
  /** `EUR-USD` */
  fileSymbol: string;
  timeframe: string;
  skipLast: boolean;
}

const SYMBOL_PATTERN = /^[A-Z0-9.*-]+$/;
const TF_PATTERN = /^(?:[0-9A-Za-z]{1,7}|\*)$/;

export function parseSelect(text: string): SelectSpec {
  const bad = (why: string) => new ConfigError(`--select ${JSON.stringify(text)}: ${why} (want SYMBOL[:skiplast]/TF[:skiplast][,TF…], e.g. EUR-USD/1h,1d or *-USD:skiplast/*)`, undefined, 'BAD_USAGE');
  const slash = text.indexOf('/');
  if (slash < 0) throw bad('no "/" between symbol and timeframes');
  const [symbol, ...symbolMods] = text.slice(0, slash).split(':');
  if (!symbol) throw bad('empty symbol');
  if (!SYMBOL_PATTERN.test(symbol)) throw bad(`symbol ${JSON.stringify(symbol)} is not a file-name symbol such as EUR-USD (upper-case letters, digits, dots, one "-", or "*")`);
  const timeframes = text.slice(slash + 1).split(',').map((item) => {
    const [name, ...mods] = item.split(':');
    if (!name) throw bad('empty timeframe');
    if (!TF_PATTERN.test(name)) throw bad(`timeframe ${JSON.stringify(name)} is not a timeframe name such as 1h or *`);
    return { name, mods: mods.map((m) => modifier(m, bad)) };
  });
  return { text, symbol, symbolMods: symbolMods.map((m) => modifier(m, bad)), timeframes };
}

function modifier(m: string, bad: (why: string) => Error): Modifier {
  if ((MODIFIERS as readonly string[]).includes(m)) return m as Modifier;
  throw bad(`unknown modifier ${JSON.stringify(m)} (known: ${MODIFIERS.join(', ')})`);
}

/**
 * Resolve specs against the store: every (symbol, timeframe) once, sorted by symbol then timeframe (shortest
 * first). `warn` receives what --force skipped.
 */
export async function resolveSelections(store: CandleStore, specs: readonly SelectSpec[], opts: { force: boolean; warn: (line: string) => void }): Promise<Selection[]> {
  const symbols = (await store.symbols()).map(fileSymbolOf);
  const chosen = new Map<string, Selection & { from: string }>();
  for (const spec of specs) {
    const matched = symbols.filter((s) => globMatches(spec.symbol, s));
    if (matched.length === 0) {
      const err = new NotFoundError('Build', 'UNKNOWN_SYMBOL', spec.symbol, `--select ${spec.text}: no symbol matches ${spec.symbol}`, symbols);
      if (!opts.force) throw err;
      opts.warn(`warning: ${err.message} (skipped: --force)`);
      continue;
    }
    for (const symbol of matched) {
      const built = await store.timeframes(symbol);
      for (const tf of spec.timeframes) {
        const names = tf.name === '*' ? built : built.includes(tf.name) ? [tf.name] : [];
        if (names.length === 0) {
          const err = new NotFoundError('Build', 'UNKNOWN_TIMEFRAME', tf.name, `--select ${spec.text}: ${symbol} has no ${tf.name} store`, built);
          if (!opts.force) throw err;
          opts.warn(`warning: ${err.message} (skipped: --force)`);
          continue;
        }
        const skipLast = spec.symbolMods.includes('skiplast') || tf.mods.includes('skiplast');
        for (const timeframe of names) {
          const key = `${symbol}/${timeframe}`;
          const before = chosen.get(key);
          if (before && before.skipLast !== skipLast) {
            throw new ConfigError(`--select ${spec.text} selects ${key} again with other modifiers than --select ${before.from}`, undefined, 'BAD_USAGE');
          }
          chosen.set(key, { fileSymbol: symbol, timeframe, skipLast, from: spec.text });
        }
      }
    }
  }
  const order = new Map(sortTimeframes([...new Set([...chosen.values()].map((c) => c.timeframe))]).map((tf, i) => [tf, i]));
  return [...chosen.values()]
    .map(({ fileSymbol, timeframe, skipLast }) => ({ fileSymbol, timeframe, skipLast }))
    .sort((a, b) => (a.fileSymbol < b.fileSymbol ? -1 : a.fileSymbol > b.fileSymbol ? 1 : order.get(a.timeframe)! - order.get(b.timeframe)!));
}

/** `*` matches any run of characters (including none); everything else is literal. */
export function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}
