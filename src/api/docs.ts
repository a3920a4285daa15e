// The /docs page: the OpenAPI document rendered as plain HTML on the server (no script, no CDN: the API
// runs offline), each path with its parameters and responses.
type Doc = ReturnType<import('@hono/zod-openapi').OpenAPIHono['getOpenAPI31Document']>;

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
const code = (s: string): string => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');

export function renderDocsPage(doc: Doc): string {
  const sections: string[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, any>)) {
      const params = (op.parameters ?? []) as any[];
      const rows = params.map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${esc(p.schema?.type ?? (p.schema?.enum ? 'enum' : ''))}${p.schema?.enum ? ` (${esc(p.schema.enum.join(' | '))})` : ''}</td><td>${code(p.description ?? p.schema?.description ?? '')}</td><td>${p.example !== undefined || p.schema?.example !== undefined ? `<code>${esc(p.example ?? p.schema?.example)}</code>` : ''}</td></tr>`);
      const responses = Object.entries(op.responses ?? {}).map(([status, r]: [string, any]) => `<li><b>${esc(status)}</b> ${code(r.description ?? '')}</li>`);
      sections.push(`<section><h2><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p>${code(op.summary ?? '')}</p>${op.description ? `<div>${String(op.description).split('\n\n').map((para: string) => `<p>${code(para)}</p>`).join('')}</div>` : ''}
${rows.length ? `<table><thead><tr><th>name</th><th>in</th><th>type</th><th>description</th><th>example</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : ''}
<ul>${responses.join('')}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;background:#fff}
@media (prefers-color-scheme:dark){body{color:#ddd;background:#161616}th,td{border-color:#444!important}}
code{font:13px ui-monospace,monospace}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.m{font:bold 13px ui-monospace,monospace;background:#2a6;color:#fff;padding:.1rem .4rem;border-radius:3px}section{margin:2rem 0}</style></head>
<body><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1><p>${code(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p>${sections.join('\n')}</body></html>`;
}
