// Run by diagnostics.spec.ts in a child process: Node re-throws a subscriber's exception as an
// uncaught exception, which would fail the spec's own run. Serves the built package, with no
// subscriber or with subscribers that throw on every event of both channels, makes the same
// deliveries, and prints their answers and the uncaught exceptions as JSON.
// Usage: node throwing-subscriber.mjs <node | fetch | express | express4 | fastify | fastify4> <none | throwing>
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics_channel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import {
  createFetchHandler,
  createNodeHandler,
  IdwiseEventEmitter,
  idwiseWebhooks,
  MemoryDedupeStore,
} from 'idwise-webhooks';
import { fastifyIdwiseWebhooks } from 'idwise-webhooks/fastify';
import { buildEvent } from 'idwise-webhooks/testing';

const [face, subscribers] = process.argv.slice(2);

const uncaught = [];
process.on('uncaughtException', (error) => uncaught.push(error.message));

if (subscribers === 'throwing') {
  for (const name of ['delivery', 'store']) {
    const channel = diagnostics_channel.tracingChannel(`idwise-webhooks:${name}`);
    const fail = (event) => () => {
      throw new Error(`${name} ${event}`);
    };
    const events = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];
    channel.subscribe(Object.fromEntries(events.map((event) => [event, fail(event)])));
    channel.start.bindStore(new AsyncLocalStorage(), fail('bindStore'));
  }
}

const token = 'subscriber-token';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
// A store that is down for one key, for a 503 store_unavailable and the store channel's error.
const memory = new MemoryDedupeStore();
const store = {
  claim: (key, leaseMs) => (key === 'store-down' ? Promise.reject(new Error('down')) : memory.claim(key, leaseMs)),
  complete: (key, token, retentionMs) => memory.complete(key, token, retentionMs),
  release: (key, token) => memory.release(key, token),
};
// An emitter that throws where the pipeline reads its listeners: the package itself fails.
class BrokenEmitter extends IdwiseEventEmitter {
  rawListeners() {
    throw new Error('the package failed on purpose');
  }
}
const options = { auth: { type: 'bearer', tokens: [token] }, logger: quiet, store };
const broken = { ...options, path: '/broken', events: new BrokenEmitter() };

let listener;
let events;
if (face === 'node') {
  const webhooks = createNodeHandler(options);
  const failing = createNodeHandler(broken);
  listener = (req, res) => webhooks(req, res, () => failing(req, res));
  events = webhooks.events;
} else if (face === 'fetch') {
  const webhooks = createFetchHandler({ ...options, path: '/webhooks/idwise' });
  const failing = createFetchHandler(broken);
  listener = getRequestListener((request) => (new URL(request.url).pathname === '/broken' ? failing : webhooks)(request));
  events = webhooks.events;
} else if (face.startsWith('fastify')) {
  const { default: Fastify } = await import(face);
  let route;
  const app = Fastify({ serverFactory: (handler) => ((route = handler), createServer()) });
  app.setErrorHandler((error, request, reply) => reply.code(500).send({ error: 'internal_error' }));
  await app.register(fastifyIdwiseWebhooks, options);
  // In a context of its own, so that its `app.idwiseWebhooks` does not replace the first one's.
  await app.register((child) => child.register(fastifyIdwiseWebhooks, broken));
  await app.ready();
  listener = (req, res) => route(req, res);
  events = app.idwiseWebhooks.events;
} else {
  const { default: express } = await import(face);
  const webhooks = idwiseWebhooks(options);
  listener = express()
    .use(webhooks)
    .use(idwiseWebhooks(broken))
    .use((error, req, res, _next) => res.status(500).json({ error: 'internal_error' }));
  events = webhooks.events;
}
let attempts = 0;
events.on('journeyCompleted', (payload) => {
  if (payload.body.referenceNo === 'flaky' && ++attempts === 1) throw new Error('first attempt fails');
});

const server = createServer(listener).listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${server.address().port}`;

async function post(payload, { auth = `Bearer ${token}`, path = '/webhooks/idwise' } = {}) {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return [response.status, await response.json()];
}

const payload = buildEvent('Finished Journey');
const flaky = buildEvent('Finished Journey', { body: { referenceNo: 'flaky' } });
const answers = [
  await post(payload),
  await post(payload),
  await post(flaky),
  await post(flaky),
  await post(payload, { auth: 'Bearer wrong' }),
  await post({ ...payload, body: { ...payload.body, journeyId: 42 } }),
  await post(buildEvent('Finished Journey', { body: { eventId: 'store-down' } })),
  await post(buildEvent('Finished Journey'), { path: '/broken' }),
  // The store's state is as it would be with no subscriber: the first event is still done.
  await post(payload),
];
// The subscribers' exceptions are re-thrown on the next tick: let the last of them arrive.
await new Promise((resolve) => setImmediate(resolve));

server.closeAllConnections();
server.close();
console.log(JSON.stringify({ answers, uncaught: [...new Set(uncaught)].sort() }));
