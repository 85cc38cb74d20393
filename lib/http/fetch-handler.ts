/**
 * The fetch face: a Web `Request` in, a `Response` out, for Next.js route handlers, Hono, Bun, Deno
 * and anything else built on the Fetch API. Same pipeline, same answers as the other faces.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { IdwiseWebhooksOptions } from '../options.js';
import type { HttpResponse } from '../outcomes.js';
import { createPipeline, type WebhookLifecycle } from '../pipeline.js';
import { routeMatcher } from './request-path.js';
import { INTERNAL_ERROR, NOT_FOUND, wireOf } from './write-response.js';

/** What the platform knows of the caller and the `Request` does not carry. */
export interface FetchRequestInfo {
  /** The caller's address, for `allowedIps` and refusal logs. */
  ip?: string | undefined;
}

export interface IdwiseFetchHandler extends WebhookLifecycle {
  (request: Request, info?: FetchRequestInfo): Promise<Response>;
}

export function createFetchHandler(options: IdwiseWebhooksOptions): IdwiseFetchHandler {
  const pipeline = createPipeline(options);
  // A route file has already chosen the path: only a `path` given explicitly is checked.
  const isRoute = options.path === undefined ? undefined : routeMatcher(pipeline.path);
  const handler = async (request: Request, info?: FetchRequestInfo): Promise<Response> => {
    if (isRoute && !isRoute(new URL(request.url).pathname)) return toResponse(NOT_FOUND);
    if (request.bodyUsed || request.body?.locked) {
      throw new TypeError(
        'createFetchHandler: the request body was already read. Pass the Request unread ' +
          '(in Hono, c.req.raw before anything calls c.req.json() or c.req.text()).',
      );
    }
    // Read once, as a stream, so `limit` holds while reading, not after buffering.
    const stream = request.body ? Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>) : Readable.from([]);
    try {
      return toResponse(
        await pipeline.handle({
          method: request.method,
          // Lowercased names, as node gives them; a repeated header arrives joined.
          headers: Object.fromEntries(request.headers),
          ip: info?.ip,
          body: { stream },
        }),
      );
    } catch {
      return toResponse(INTERNAL_ERROR);
    } finally {
      // Whatever is left unread is not wanted: cancel it rather than leave the sender waiting.
      stream.destroy();
    }
  };
  return Object.assign(handler, { events: pipeline.events, close: pipeline.close });
}

function toResponse(response: HttpResponse): Response {
  const { status, headers, text } = wireOf(response);
  return new Response(text, { status, headers });
}
