/**
 * The one harness every HTTP spec drives: a real server on 127.0.0.1 (Express, whichever major the
 * vitest project aliases `express` to, or plain node:http), closed when the test ends, and supertest
 * requests that carry the configured credentials unless told otherwise.
 */
import { once } from 'node:events';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import request, { type Response } from 'supertest';
import { onTestFinished } from 'vitest';
import { fastifyIdwiseWebhooks } from '../../lib/http/fastify-plugin.js';
import {
  createFetchHandler,
  createNodeHandler,
  idwiseWebhooks,
  type DeliveryContext,
  type IdwiseEventEmitter,
  type IdwiseEventName,
  type IdwiseWebhooksOptions,
} from '../../lib/index.js';
import { AUTH, AUTHORIZED } from './fixtures.js';
import { RecordingLogger } from './recording-logger.js';
import { ScriptedStore } from './scripted-store.js';

export interface AppSetup {
  /** Over the defaults: bearer auth with TOKEN, a RecordingLogger, a ScriptedStore. */
  options?: Partial<IdwiseWebhooksOptions>;
  /** A body parser the host app mounts before the webhooks. */
  parser?: 'json' | 'raw';
  /** `app.use(mountAt, webhooks)` instead of `app.use(webhooks)`. */
  mountAt?: string;
  /** The app's `trust proxy` setting. */
  trustProxy?: boolean | string | ((address: string, hop: number) => boolean);
  /**
   * `express` (default); `node` for `createNodeHandler` on a bare node:http server; `fetch` for
   * `createFetchHandler` behind @hono/node-server's adapter; `fastify` for the plugin. The express4
   * project runs Express 4 and Fastify 4.
   */
  face?: Face;
}

export type Face = 'express' | 'node' | 'fetch' | 'fastify';

export const FACES: readonly Face[] = ['express', 'node', 'fetch', 'fastify'];

export interface RequestInit {
  /** Sent as given, over the default Authorization header. */
  headers?: Record<string, string>;
  /** Leave out the Authorization header. */
  anonymous?: boolean;
  /** Default: the webhook route (prefix and custom path included). */
  path?: string;
}

/** A call of one emitter event, as a listener saw it. */
export interface Heard {
  name: IdwiseEventName;
  args: unknown[];
  ctx: DeliveryContext | undefined;
}

export interface TestApp {
  readonly events: IdwiseEventEmitter;
  close(): Promise<void>;
  readonly logger: RecordingLogger;
  readonly store: ScriptedStore;
  /** The route the webhooks answer on. */
  readonly path: string;
  /** The server's side of every request so far, to see whether an answer was written yet. */
  readonly responses: ServerResponse[];
  /**
   * POSTs `body`: an object as JSON; a string as text with `Content-Type: application/json` (unless
   * headers say otherwise); a Buffer as is, with no Content-Type at all.
   */
  post(body: unknown, init?: RequestInit): Promise<Response>;
  send(method: 'get' | 'put' | 'delete' | 'patch' | 'post', init?: RequestInit): Promise<Response>;
  /** Records every call of these emitter events, in order. */
  record(...names: IdwiseEventName[]): Heard[];
}

export async function startApp(setup: AppSetup = {}): Promise<TestApp> {
  const logger = new RecordingLogger();
  const store = setup.options?.store instanceof ScriptedStore ? setup.options.store : new ScriptedStore();
  const options: IdwiseWebhooksOptions = { auth: AUTH, logger, store, ...setup.options };
  const path = (setup.mountAt ?? '') + (options.path ?? '/webhooks/idwise');

  let webhooks: { events: IdwiseEventEmitter; close(): Promise<void> };
  let listener: RequestListener;
  if (setup.face === 'node') {
    const handler = createNodeHandler(options);
    webhooks = handler;
    listener = (req, res) => handler(req, res);
  } else if (setup.face === 'fetch') {
    const handler = createFetchHandler({ ...options, path });
    webhooks = handler;
    listener = getRequestListener((req, env) => handler(req, { ip: env.incoming.socket.remoteAddress }));
  } else if (setup.face === 'fastify') {
    let route: RequestListener = () => {};
    const app = Fastify({
      trustProxy: setup.trustProxy as boolean | string | undefined,
      // The harness owns the server: Fastify's routing becomes its request listener.
      serverFactory: (handler) => {
        route = handler;
        return createServer();
      },
    });
    await app.register(fastifyIdwiseWebhooks, { ...options, prefix: setup.mountAt });
    await app.ready();
    onTestFinished(() => app.close());
    webhooks = app.idwiseWebhooks;
    listener = (req, res) => route(req, res);
  } else {
    const router = idwiseWebhooks(options);
    const app = express();
    if (setup.trustProxy !== undefined) app.set('trust proxy', setup.trustProxy);
    if (setup.parser === 'json') app.use(express.json());
    if (setup.parser === 'raw') app.use(express.raw({ type: '*/*' }));
    if (setup.mountAt) app.use(setup.mountAt, router);
    else app.use(router);
    webhooks = router;
    listener = app;
  }

  const responses: ServerResponse[] = [];
  const server = await listen((req, res) => {
    responses.push(res);
    listener(req, res);
  });
  const call = (method: Parameters<TestApp['send']>[0], init: RequestInit = {}) => {
    const headers = { ...(init.anonymous ? {} : { Authorization: AUTHORIZED.authorization }), ...init.headers };
    const agent = request(server);
    return agent[method](init.path ?? path).set(headers);
  };

  return {
    events: webhooks.events,
    close: () => webhooks.close(),
    logger,
    store: store as ScriptedStore,
    path,
    responses,
    // `await` starts the request, so a test can hold the promise while it acts.
    post: async (body, init = {}) => {
      const req = call('post', init);
      if (typeof body === 'string' && !init.headers?.['Content-Type']) req.type('application/json');
      return await req.send(body as object);
    },
    send: async (method, init) => await call(method, init),
    record(...names) {
      const heard: Heard[] = [];
      for (const name of names) {
        webhooks.events.on(name, (...args: unknown[]) => {
          heard.push({ name, args, ctx: args.find(isContext) });
        });
      }
      return heard;
    },
  };
}

async function listen(listener: RequestListener): Promise<Server> {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return server;
}

function isContext(value: unknown): value is DeliveryContext {
  return typeof value === 'object' && value !== null && 'dedupeKey' in value && 'signal' in value;
}
