// Who may read what when `http.token` is set: every route needs `Authorization: Bearer <token>` except the
// few that carry no store data — the health probe, the chart page with its static files (a browser cannot
// send a header when it opens a page; the page then sends the header on its own API requests), and the API
// description. This list is the one place that decides; a route not named here is protected.
import { timingSafeEqual } from 'node:crypto';

/** Exact paths readable without the token (GET/HEAD only). */
const PUBLIC_PATHS = new Set(['/healthz', '/', '/favicon.ico', '/docs', '/openapi.json']);
/** Path prefixes readable without the token: the page's files from memory (src/api/pageRoutes.ts). */
const PUBLIC_PREFIXES = ['/page/'];

/** True when a request may be answered without the bearer token (`path` is already normalised by the URL parser). */
export function isPublicRoute(method: string, path: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return PUBLIC_PATHS.has(path) || PUBLIC_PREFIXES.some((p) => path.startsWith(p));
}

/** `Authorization: Bearer <token>`, compared in constant time. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || !header.startsWith('Bearer ')) return false;
  const a = Buffer.from(header.slice(7));
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
