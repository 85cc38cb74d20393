import type { IncomingMessage } from 'node:http';
import type { RequestBody } from '../body.js';

/**
 * Where the body is: still in the stream, or already consumed by a parser the host app mounted
 * first (express.json() sets `_body`; any consumer leaves the stream ended), in which case what
 * that parser left on `req.body` is all there is.
 */
export function requestBody(req: IncomingMessage & { body?: unknown; _body?: boolean }): RequestBody {
  return req._body === true || req.readableEnded ? { parsed: req.body } : { stream: req };
}
