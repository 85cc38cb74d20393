/**
 * The node:http face, for apps without Express (or Fastify/Hono via their raw request). Same
 * pipeline, same answers. With `next` it acts as connect-style middleware; without, a request for
 * another path gets 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdwiseEventEmitter } from './events.js';
import type { IdwiseWebhooksOptions } from './options.js';
import type { HttpResponse } from './outcomes.js';
import { createPipeline } from './pipeline.js';
import { requestBody } from './request-body.js';

export interface IdwiseNodeHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  readonly events: IdwiseEventEmitter;
  close(): Promise<void>;
}

const NOT_FOUND: HttpResponse = { status: 404, headers: {}, body: { error: 'not_found' } };

export function createNodeHandler(options: IdwiseWebhooksOptions): IdwiseNodeHandler {
  const pipeline = createPipeline(options);
  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    if ((query === -1 ? url : url.slice(0, query)) !== pipeline.path) {
      if (next) return next();
      return write(res, NOT_FOUND);
    }
    pipeline
      .handle({ method: req.method ?? 'GET', headers: req.headers, ip: req.socket.remoteAddress, body: requestBody(req) })
      .then((response) => write(res, response))
      .catch((error: unknown) => (next ? next(error) : write(res, { status: 500, headers: {}, body: { error: 'internal_error' } })));
  };
  return Object.assign(handler, { events: pipeline.events, close: pipeline.close });
}

function write(res: ServerResponse, { status, headers, body }: HttpResponse): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
