// Shared by the API tests: a real root filled by the CLI against `sim`, a server on a free loopback port
// over it, and a fetch that returns status, headers and body text.
import { connect } from 'node:net';
import { request } from 'undici';
import { Layout } from '../../src/paths.js';
import { startServer, type RunningServer } from '../../src/api/server.js';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { makeRoot, runCli } from '../helpers/cli.js';

export interface Fixture {
  sim: SimServer;
  root: string;
  server: RunningServer;
  logs: string[];
  close(): Promise<void>;
}

/** Run the pipeline for `symbols` from `from` to `now` into a fresh root, and serve it. */
export async function servedRoot(symbols: string[], from: string, now: string, opts: { token?: string } = {}): Promise<Fixture> {
  const simNow = Date.parse(now);
  const sim = await startSim({ host: '127.0.0.1', port: 0, seed: 11, now: () => simNow });
  const root = makeRoot(sim.url, symbols);
  const r = await runCli(['run', '--root', root, '--from', from, '--now', now, '-q']);
  if (r.code !== 0) throw new Error(`run failed: ${r.stderr}`);
  const logs: string[] = [];
  const server = await startServer({ layout: new Layout(root), listen: '127.0.0.1:0', token: opts.token, log: (l) => logs.push(l) });
  return { sim, root, server, logs, close: async () => { await server.close(); await sim.close(); } };
}

export interface Got { status: number; headers: Record<string, string | string[] | undefined>; text: string; json(): any }

export async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Got> {
  const res = await request(base + path, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** A request sent byte for byte (no client-side URL normalisation: `..` and `%2e%2e` reach the server). */
export function rawGet(base: string, target: string): Promise<{ status: number; text: string; json(): any }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('end', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
      const text = Buffer.from(raw.slice(raw.indexOf('\r\n\r\n') + 4), 'latin1').toString('utf8');
      resolve({ status, text, json: () => JSON.parse(text) });
    });
    sock.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
  });
}
