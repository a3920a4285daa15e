// Running the API on a socket: @hono/node-server over the app, a listen address checked against the
// token rule (loopback by default; any other address needs http.token unless insecure is asked for), and a
// graceful close that stops accepting, lets requests in flight finish, then drops idle keep-alives.
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { ConfigError } from '../errors.js';
import type { Layout } from '../paths.js';
import { createApp } from './app.js';
import { StoreCandleSource, type CandleSource } from './source.js';

export interface ServeOptions {
  layout: Layout;
  /** host:port; port 0 picks a free one. */
  listen: string;
  token?: string;
  insecure?: boolean;
  verbose?: boolean;
  /** Log sink (stderr in the CLI). */
  log: (line: string) => void;
  /** Data source (tests may pass another); default: the stores under layout.root. */
  source?: CandleSource;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`listen address ${JSON.stringify(text)}: expected HOST:PORT such as 127.0.0.1:8000`, undefined, 'BAD_USAGE');
  return { host: m[1] ?? m[2], port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const { host, port } = parseListen(opts.listen);
  if (!isLoopback(host) && opts.token === undefined && !opts.insecure) {
    throw new ConfigError(`listening on ${host} (not loopback) needs http.token in config.yaml so clients must send "Authorization: Bearer <token>"; or pass --insecure to serve without one`, undefined, 'BAD_USAGE');
  }
  const source = opts.source ?? new StoreCandleSource(opts.layout);
  const app = createApp({
    source,
    token: opts.token,
    accessLog: opts.verbose ? opts.log : undefined,
    errorLog: opts.log,
  });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    close: () => new Promise<void>((resolve, reject) => {
      const s = server as import('node:http').Server;
      s.close((err) => {
        void source.close?.();
        if (err) reject(err);
        else resolve();
      });
      s.closeIdleConnections?.();
      // Requests in flight get a moment to finish; then whatever is left is cut.
      setTimeout(() => s.closeAllConnections?.(), 5000).unref();
    }),
  };
}
