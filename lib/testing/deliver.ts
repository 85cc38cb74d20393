/**
 * Sends one webhook delivery the way IDWise would (POST, JSON, the configured credentials), to an
 * app or to a URL, and returns what came back. Only node:http and the global fetch: users' tests
 * get no supertest or other dependency from this package.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthOption } from '../auth.js';

/**
 * An Express app (Express 4 or 5), a `createNodeHandler()` handler or any node request listener;
 * or the absolute URL of a running server, e.g. `http://127.0.0.1:3000/webhooks/idwise`.
 */
export type DeliverTarget = RequestHandler | string | URL;

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DeliverOptions {
  /**
   * Credentials, in the same shape as the package's `auth` option, so a test can pass the very
   * object it configured the app with. The first token, credential or value is sent.
   */
  auth?: AuthOption;
  /** More request headers, sent as given; they win over the ones this helper sets (even Content-Type). */
  headers?: Record<string, string>;
  /** For an app target only: the path to post to. Default `/webhooks/idwise`, the package's default. */
  path?: string;
  /** Default `POST`, as IDWise sends. */
  method?: string;
  /** Give up (the promise rejects) after this many milliseconds. Default 30 000. */
  timeoutMs?: number;
}

export interface Delivery {
  status: number;
  /** The answer parsed as JSON when it is JSON, else its text (`''` when empty). */
  body: unknown;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
}

const DEFAULT_PATH = '/webhooks/idwise';

/**
 * Delivers `payload` to `target` and returns the answer.
 *
 * ```ts
 * import { idwiseWebhooks, type AuthOption } from 'idwise-webhooks';
 * import { buildEvent, deliver } from 'idwise-webhooks/testing';
 *
 * const auth: AuthOption = { type: 'bearer', tokens: ['test-token'] };
 * app.use(idwiseWebhooks({ auth }));
 * const { status, body } = await deliver(app, buildEvent('Finished Journey'), { auth });
 * // status 200, body { status: 'processed' }
 * ```
 *
 * An app target is served on an ephemeral port of 127.0.0.1 for this one request, then closed. A
 * string payload is sent as is (to test malformed JSON); anything else is sent as JSON.
 */
export async function deliver(
  target: DeliverTarget,
  payload: unknown,
  options: DeliverOptions = {},
): Promise<Delivery> {
  const headers = {
    'content-type': 'application/json',
    ...credentialHeaders(options.auth),
    ...lowerCased(options.headers),
  };
  // fetch would refuse such a value and quote it (perhaps a secret) in its error: refuse it here,
  // unquoted, whichever option it came from.
  if (Object.values(headers).some((value) => /[\r\n\0]/.test(value))) {
    throw new TypeError(
      'deliver: a header value (from option "auth" or "headers") contains a line break or NUL character.',
    );
  }
  const init: RequestInit = {
    method: options.method ?? 'POST',
    headers,
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  };
  if (typeof target === 'function') return deliverToListener(target, options.path ?? DEFAULT_PATH, init);
  if (options.path !== undefined) {
    throw new TypeError(
      'deliver: option "path" is for an app target only; with a URL target, put the path in the URL.',
    );
  }
  return send(toUrl(target), init);
}

/** The request headers that carry `auth`'s first credential. */
function credentialHeaders(auth: AuthOption | undefined): Record<string, string> {
  switch (auth?.type) {
    case undefined:
    case 'none':
      return {};
    case 'bearer':
      return { authorization: `Bearer ${first(auth.tokens, 'auth.tokens')}` };
    case 'basic': {
      const { username, password } = first(auth.credentials, 'auth.credentials');
      if (username === undefined || password === undefined) {
        throw new TypeError('deliver: option "auth.credentials[0]" needs a username and a password.');
      }
      return { authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
    }
    case 'header':
      return { [auth.name.toLowerCase()]: first(auth.values, 'auth.values') };
    default:
      throw new TypeError(
        "deliver: option \"auth\" must have type 'bearer', 'basic', 'header' or 'none', as idwiseWebhooks() takes it. " +
          "Example: { auth: { type: 'bearer', tokens: ['test-token'] } }",
      );
  }
}

function first<T>(list: readonly (T | undefined)[] | undefined, option: string): T {
  const value = Array.isArray(list) ? list[0] : undefined;
  if (value === undefined) {
    throw new TypeError(`deliver: option "${option}" must be a non-empty array; its first entry is sent.`);
  }
  return value;
}

function lowerCased(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
}

function toUrl(target: string | URL): URL {
  const url = URL.canParse(String(target)) ? new URL(String(target)) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TypeError(
      'deliver: target must be an app (a request listener) or an absolute http(s) URL, ' +
        'e.g. deliver("http://127.0.0.1:3000/webhooks/idwise", payload).',
    );
  }
  return url;
}

async function deliverToListener(listener: RequestHandler, path: string, init: RequestInit): Promise<Delivery> {
  if (!path.startsWith('/'))
    throw new TypeError(`deliver: option "path" must start with "/", e.g. { path: '${DEFAULT_PATH}' }`);
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  try {
    const { port } = server.address() as AddressInfo;
    return await send(new URL(path, `http://127.0.0.1:${port}`), init);
  } finally {
    // fetch keeps its connection alive for reuse; without this, close() would wait for it to idle out.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function send(url: URL, init: RequestInit): Promise<Delivery> {
  const response = await fetch(url, init);
  const text = await response.text();
  const headers = Object.fromEntries(response.headers);
  let body: unknown = text;
  if (/\bjson\b/i.test(headers['content-type'] ?? '')) {
    try {
      body = JSON.parse(text);
    } catch {
      // A server that says JSON and sends something else: the text is the most useful thing to show.
    }
  }
  return { status: response.status, body, headers };
}
