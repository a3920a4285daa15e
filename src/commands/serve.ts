// `candlestore serve`: the HTTP API in the foreground until SIGINT/SIGTERM, then a graceful stop.
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { Layout } from '../paths.js';
import { isLoopback, parseListen, startServer } from '../api/server.js';

export interface ServeCliOptions {
  root: string;
  listen?: string;
  insecure?: boolean;
  verbose?: boolean;
}

export async function serveCommand(opts: ServeCliOptions, signal: AbortSignal): Promise<void> {
  const root = resolve(opts.root);
  const { config } = await loadConfig(root);
  const listen = opts.listen ?? config.http.listen;
  const token = config.http.token;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const server = await startServer({ layout: new Layout(root), listen, token, insecure: opts.insecure, verbose: opts.verbose, log });
  const { host } = parseListen(listen);
  const auth = token !== undefined ? 'bearer token required (http.token)' : isLoopback(host) ? 'no token (loopback only)' : 'NO TOKEN: --insecure, anyone who can reach this address can read the store';
  // With a token the page address is shown with a placeholder, not the secret itself: this line goes to
  // stderr, which is the server's log (journald, a redirect to a file, a CI transcript) as much as a
  // terminal, and the point of carrying the token in the URL fragment is to keep it out of logs. The user
  // has the value in config.yaml.
  const page = token !== undefined ? `${server.url}/#token=<http.token> (append the token from config.yaml)` : `${server.url}/`;
  log(`candlestore serve: ${root} on ${server.url} (${auth}); chart page at ${page}; API docs at ${server.url}/docs; Ctrl-C stops`);
  await new Promise<void>((done) => {
    if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
  await server.close();
  log('candlestore serve: stopped');
}
