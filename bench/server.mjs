// One benchmark server: `node bench/server.mjs <a|b|c|d|e|f>`, started by harness.mjs with an IPC
// channel. It listens on 127.0.0.1 (an ephemeral port, reported over IPC) and answers `mark`
// messages with its own CPU time, request count and memory: over IPC rather than an HTTP side
// endpoint, so that a reading is never one of the counted requests.
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PATH, TOKEN } from './shared.mjs';

// `d@ref` is (d) on the build in BENCH_DIST (run.mjs --compare); the same code, another package.
const config = process.argv[2]?.replace(/@ref$/, '');
const send = (message) => process.send?.(message);
const trivialListener = async () => {};
let cleanup = async () => ({});

// The package as users import it (dist/esm), or another build of it given by BENCH_DIST.
const packageUrl = process.env.BENCH_DIST
  ? pathToFileURL(resolve(process.env.BENCH_DIST, 'index.js')).href
  : new URL('../dist/esm/index.js', import.meta.url).href;
const importPackage = () => import(packageUrl);

async function expressApp() {
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  return { express, app };
}

const configurations = {
  // (a) The floor: node:http reads the body and JSON.parses it, nothing else.
  async a() {
    return createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        try {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid_json"}');
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"processed"}');
      });
    });
  },

  // (b) What a user writes with no checks at all.
  async b() {
    const { express, app } = await expressApp();
    app.use(express.json());
    app.post(PATH, (_req, res) => {
      res.status(200).json({ status: 'processed' });
    });
    return createServer(app);
  },

  // (c) The hand-written equivalent of this package: (b) + the same bearer check (zero-padded values
  // compared with timingSafeEqual) + a compiled ajv envelope schema + a Map dedupe (bounded at
  // 100 000 like the memory store's default, oldest first) + emit to a trivial async listener.
  // It has no in-flight state, no timeouts and does not await its listeners.
  async c() {
    const { express, app } = await expressApp();
    const { Ajv } = await import('ajv');
    const validate = new Ajv().compile({
      type: 'object',
      required: ['event', 'body'],
      properties: {
        event: { type: 'string' },
        body: { type: 'object', properties: { eventId: { type: 'string' } } },
      },
    });
    // The package's comparison, written out: both sides zero-padded to 256 bytes, plus the length.
    const expected = Buffer.alloc(256);
    expected.write(TOKEN);
    const presented = Buffer.alloc(256);
    const seen = new Map();
    const bus = new EventEmitter();
    bus.on('Finished Journey', trivialListener);
    app.use(express.json());
    app.post(PATH, (req, res) => {
      const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
      let valid = false;
      if (match) {
        presented.fill(0).write(match[1]);
        valid = timingSafeEqual(presented, expected) && Buffer.byteLength(match[1]) === TOKEN.length;
      }
      if (!valid) {
        res.status(401).json({ error: 'unauthorized' });
        return;
      }
      if (!validate(req.body)) {
        res.status(400).json({ error: 'invalid_payload' });
        return;
      }
      const { eventId } = req.body.body;
      if (eventId !== undefined) {
        if (seen.has(eventId)) {
          res.status(200).json({ status: 'duplicate' });
          return;
        }
        seen.set(eventId, Date.now());
        if (seen.size > 100_000) seen.delete(seen.keys().next().value);
      }
      bus.emit(req.body.event, req.body);
      res.status(200).json({ status: 'processed' });
    });
    return createServer(app);
  },

  // (d) The package on its default memory store, mounted as the README shows.
  async d() {
    const { app } = await expressApp();
    const { idwiseWebhooks } = await importPackage();
    const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [TOKEN] } });
    webhooks.events.on('journeyCompleted', trivialListener);
    app.use(webhooks);
    cleanup = async () => {
      await webhooks.close();
      return {};
    };
    return createServer(app);
  },

  // (m) (d) with examples/prometheus's collector subscribed to the delivery channel: what monitoring costs.
  async m() {
    const { app } = await expressApp();
    const { idwiseWebhooks } = await importPackage();
    const { Registry } = await import('prom-client');
    const { collectDeliveryMetrics } = await import('../examples/prometheus/metrics.mjs');
    const stop = collectDeliveryMetrics(new Registry());
    const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [TOKEN] } });
    webhooks.events.on('journeyCompleted', trivialListener);
    app.use(webhooks);
    cleanup = async () => {
      await webhooks.close();
      stop();
      return {};
    };
    return createServer(app);
  },

  // (e) (d) on the Redis store (ioredis) on 127.0.0.1:6379, under a prefix unique to this server,
  // whose keys it deletes when it stops.
  async e() {
    const { app } = await expressApp();
    const { idwiseWebhooks, RedisDedupeStore } = await importPackage();
    const { Redis } = await import('ioredis');
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    const prefix = `idwise-bench:${process.pid}-${Date.now()}:`;
    const store = new RedisDedupeStore({ client, prefix });
    const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: [TOKEN] }, store });
    webhooks.events.on('journeyCompleted', trivialListener);
    app.use(webhooks);
    cleanup = async () => {
      await webhooks.close();
      let deleted = 0;
      for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1000 })) {
        if (keys.length > 0) deleted += await client.unlink(...keys);
      }
      await client.quit();
      return { redisKeysDeleted: deleted, redisPrefix: prefix };
    };
    return createServer(app);
  },

  // (f) The same pipeline behind plain node:http.
  async f() {
    const { createNodeHandler } = await importPackage();
    const handler = createNodeHandler({ auth: { type: 'bearer', tokens: [TOKEN] } });
    handler.events.on('journeyCompleted', trivialListener);
    cleanup = async () => {
      await handler.close();
      return {};
    };
    return createServer(handler);
  },
};

if (!configurations[config]) {
  console.error(`usage: node bench/server.mjs <${Object.keys(configurations).join('|')}>`);
  process.exit(2);
}

const server = await configurations[config]();
let requests = 0;
server.on('request', () => {
  requests += 1;
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  // (a), (b) and (c) never import the package: no URL to report.
  const usesPackage = ['d', 'e', 'f', 'm'].includes(config);
  send({ type: 'ready', port: server.address().port, packageUrl: usesPackage ? packageUrl : undefined });
});

function snapshot() {
  const memory = process.memoryUsage();
  return {
    cpu: process.cpuUsage(),
    requests,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    // Outside the V8 heap: Buffers and ArrayBuffers (socket and body buffers among them).
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    // resourceUsage().maxRSS is in kilobytes: the peak over the process's whole life.
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}

process.on('message', async (message) => {
  if (message.type === 'mark') {
    // memory-http.mjs asks for the heap after a full collection (the server then runs with
    // --expose-gc); the load rounds never do, since a GC would count as request CPU.
    if (message.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    send({ type: 'mark', id: message.id, ...snapshot() });
  } else if (message.type === 'shutdown') {
    const final = snapshot();
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    const cleaned = await cleanup();
    send({ type: 'bye', ...final, ...cleaned });
    // Exit normally (not a kill) so that --cpu-prof writes its profile.
    process.disconnect?.();
    process.exitCode = 0;
    setTimeout(() => process.exit(0), 50).unref();
  }
});
process.on('disconnect', () => {
  // The orchestrator died: do not linger as an orphan.
  setTimeout(() => process.exit(0), 1000).unref();
});
