// The bearer token for a server started with `http.token`. It arrives in the URL fragment (`#token=…`: a
// fragment is never sent to the server, so it stays out of access logs and proxies), is kept in
// sessionStorage (this tab only, gone when it closes) and taken out of the visible URL at once. Every API
// request carries it as `Authorization: Bearer …`; a 401 asks the user for it in the page's token form and
// the request is sent again. Without a token nothing is added: a loopback server without one just answers.

const KEY = 'candlestore.token';
/** What the server accepts as http.token (src/config/schema.ts): printable ASCII, no spaces. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

/** Fallback when sessionStorage is refused (privacy settings): this page load only. */
let memory;

/** The token in use, or undefined. */
export function currentToken() {
  try {
    return sessionStorage.getItem(KEY) ?? memory;
  } catch {
    return memory;
  }
}

function keep(token) {
  memory = token;
  try {
    sessionStorage.setItem(KEY, token);
  } catch { /* memory holds it */ }
}

/**
 * Move `#token=…` from the address into sessionStorage and drop it from the visible URL (and from the
 * history entry), keeping the path and the query string that holds the page state.
 */
export function takeTokenFromUrl() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const t = fragment.get('token');
  if (t === null) return;
  if (TOKEN_TEXT.test(t)) keep(t);
  fragment.delete('token');
  const rest = fragment.toString();
  history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
}

/** Headers with the token added when there is one. */
export function withToken(headers = {}) {
  const t = currentToken();
  return t ? { ...headers, authorization: `Bearer ${t}` } : headers;
}

/**
 * fetch() with the token; on 401 the token form is shown (one form for every request waiting) and the
 * request is sent again with what the user enters.
 */
export async function authFetch(url, init = {}) {
  for (;;) {
    const sent = currentToken();
    const res = await fetch(url, { ...init, headers: withToken(init.headers) });
    if (res.status !== 401) return res;
    // Entered meanwhile (this request left before the form was answered): just send it again.
    if (currentToken() === sent) await askForToken(sent !== undefined);
  }
}

let asking;
/** Show the form and resolve once a token is entered; requests that meet a 401 meanwhile wait for the same. */
function askForToken(refused) {
  asking ??= new Promise((resolve) => {
    const form = document.getElementById('token-form');
    const input = document.getElementById('token-input');
    const note = document.getElementById('token-note');
    note.textContent = refused
      ? 'The server refused this token. Enter the http.token of its config.yaml.'
      : 'This server needs its access token (http.token in its config.yaml).';
    form.hidden = false;
    input.value = '';
    input.removeAttribute('aria-invalid');
    input.focus();
    const submit = (e) => {
      e.preventDefault();
      const t = input.value.trim();
      if (!TOKEN_TEXT.test(t)) {
        input.setAttribute('aria-invalid', 'true');
        note.textContent = 'A token is printable ASCII without spaces.';
        return;
      }
      form.removeEventListener('submit', submit);
      form.hidden = true;
      keep(t);
      asking = undefined;
      resolve();
    };
    form.addEventListener('submit', submit);
  });
  return asking;
}

/**
 * Download a URL that needs the header (a link cannot send one): fetch it with the token and save the body
 * under `filename` through a Blob URL.
 */
export async function downloadWithToken(url, filename) {
  const res = await authFetch(url);
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      message = (await res.json()).exception ?? message;
    } catch { /* not JSON */ }
    throw new Error(message);
  }
  const blobUrl = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = blobUrl;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started from the Blob; the URL can go once the click has been handled.
  setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
}
