// `1234567` → `1,234,567` for human-facing counts. Number#toLocaleString would do it, but its first call
// loads ICU data: ~70 ms of a CLI command that otherwise takes ~100.
export function groupDigits(n: number): string {
  const s = String(Math.round(Math.abs(n)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 ? `-${out}` : out;
}
