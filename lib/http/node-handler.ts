/**
 * The node:http face, for apps without Express (or Fastify/Hono via their raw request). Same
 * pipeline, same answers. With `next` it acts as connect-style middleware; without, a request for
 * another path gets 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdwiseEventEmitter } from '../emitter.js';
import type { IdwiseWebhooksOptions } from '../options.js';
import { createPipeline } from '../pipeline.js';
import { requestBody } from './request-body.js';
import { pathname, routeMatcher } from './request-path.js';
import { INTERNAL_ERROR, NOT_FOUND, writeResponse } from './write-response.js';

export interface IdwiseNodeHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  readonly events: IdwiseEventEmitter;
  close(): Promise<void>;
}

export function createNodeHandler(options: IdwiseWebhooksOptions): IdwiseNodeHandler {
  const pipeline = createPipeline(options);
  const isRoute = routeMatcher(pipeline.path);
  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => {
    if (!isRoute(pathname(req.url))) {
      if (next) return next();
      return writeResponse(res, NOT_FOUND);
    }
    // Behind a proxy, the allowlist sees the proxy's address here: node:http knows no `trust proxy`.
    pipeline
      .handle({
        method: req.method ?? 'GET',
        headers: req.headers,
        ip: req.socket.remoteAddress,
        body: requestBody(req),
      })
      .then((response) => writeResponse(res, response))
      .catch((error: unknown) => (next ? next(error) : writeResponse(res, INTERNAL_ERROR)));
  };
  return Object.assign(handler, { events: pipeline.events, close: pipeline.close });
}
