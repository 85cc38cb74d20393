/**
 * The Express and node:http face. An Express request is node's own, so one handler serves both, and
 * it imports no express: no second copy beside the app's, no tie to Express 4 or 5, no
 * `@types/express` needed. Under Express, `req.url` is relative to where the handler is mounted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestBody } from '../body.js';
import type { IdwiseWebhooksOptions } from '../options.js';
import { createPipeline, type WebhookLifecycle } from '../pipeline.js';
import { LazyIpRequest } from './lazy-ip-request.js';
import { pathname, routeMatcher } from './request-path.js';
import { INTERNAL_ERROR, NOT_FOUND, writeResponse } from './write-response.js';

type Next = (error?: unknown) => void;

/** What Express adds to node's request and this face reads. */
interface ExpressRequest extends IncomingMessage {
  /** Honours the app's `trust proxy` setting. */
  ip?: string;
  body?: unknown;
  /** Set by express.json() once it has read the body. */
  _body?: boolean;
}

/** Mount with `app.use(webhooks)`. Also a plain `(req, res, next)` middleware for connect-style servers. */
export interface IdwiseWebhooksRouter extends WebhookLifecycle {
  (req: IncomingMessage, res: ServerResponse, next: Next): void;
}

/** `http.createServer(handler)`: another path gets 404. With `next`, connect-style middleware. */
export interface IdwiseNodeHandler extends WebhookLifecycle {
  (req: IncomingMessage, res: ServerResponse, next?: Next): void;
}

export function createNodeHandler(options: IdwiseWebhooksOptions): IdwiseNodeHandler {
  const pipeline = createPipeline(options);
  const isRoute = routeMatcher(pipeline.path);
  const handler = (req: ExpressRequest, res: ServerResponse, next?: Next) => {
    if (!isRoute(pathname(req.url))) return next ? next() : writeResponse(res, NOT_FOUND);
    // Without Express (or behind a proxy it does not trust), the allowlist sees the socket's address.
    const ip = () => req.ip ?? req.socket.remoteAddress;
    pipeline
      .handle(new LazyIpRequest(req.method ?? 'GET', req.headers, requestBody(req), ip))
      .then((response) => writeResponse(res, response))
      // Express 4 does not catch rejected promises: pass any unexpected error on explicitly.
      .catch((error: unknown) => (next ? next(error) : writeResponse(res, INTERNAL_ERROR)));
  };
  return Object.assign(handler, { events: pipeline.events, close: pipeline.close });
}

/** The Express face: `app.use(idwiseWebhooks(options))`. */
export function idwiseWebhooks(options: IdwiseWebhooksOptions): IdwiseWebhooksRouter {
  return createNodeHandler(options);
}

/** The unread stream, or what a body parser mounted first (express.json() sets `_body`) made of it. */
function requestBody(req: ExpressRequest): RequestBody {
  return req._body === true || req.readableEnded ? { parsed: req.body } : { stream: req };
}
