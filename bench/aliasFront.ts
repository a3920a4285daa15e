// A loopback HTTP front for `sim` that also answers for alias symbols: a request for an alias's code is
// forwarded with the code of the instrument it stands for (config.ts, TWENTY_SIX); everything else passes
// through unchanged. It exists because the sim's catalog has 20 instruments and the reference run has 26.
// Cost: one extra loopback hop per request, on keep-alive connections.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { symbolFileName } from '../src/dukascopy/symbolCode.js';
import type { SymbolSpec } from './config.js';

export interface AliasFront {
  url: string;
  requests: number;
  close(): Promise<void>;
}

export async function startAliasFront(simUrl: string, symbols: readonly SymbolSpec[]): Promise<AliasFront> {
  const target = new URL(simUrl);
  const codes = new Map(symbols.filter((s) => s.name !== s.source).map((s) => [symbolFileName(s.name), symbolFileName(s.source)]));
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const front: AliasFront = { url: '', requests: 0, close: async () => {} };
  const server = createServer((req, res) => {
    front.requests++;
    const path = (req.url ?? '/').replace(/^(\/v1\/(?:candles\/minute|instruments)\/)([^/?]+)/, (_m, head: string, code: string) => head + (codes.get(code) ?? code));
    // An alias's instrument document names the alias (the client checks that a document is the symbol's).
    const alias = /^\/v1\/instruments\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    const aliased = alias !== undefined && codes.has(alias) ? symbols.find((s) => symbolFileName(s.name) === alias) : undefined;
    const up = request({ host: target.hostname, port: target.port, path, method: req.method, headers: req.headers, agent }, (upRes) => {
      if (!aliased) {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        const body = Buffer.from(
          Buffer.concat(chunks).toString('utf8')
            .replace(`"name":${JSON.stringify(aliased.source)},"code":${JSON.stringify(symbolFileName(aliased.source))}`, `"name":${JSON.stringify(aliased.name)},"code":${JSON.stringify(alias)}`),
        );
        res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, 'content-length': String(body.length) }).end(body);
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.close = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return front;
}
