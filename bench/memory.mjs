// `node --expose-gc bench/memory.mjs [--events N] [--every N]`: 1 000 000 distinct events through
// configuration (d)'s pipeline at default options, and the heap after a forced GC along the way.
//
// In process, through createPipeline(...).handle(), not over HTTP: much faster, and what is
// measured (what the pipeline and its memory store keep per event) is the same. Bodies are handed
// over already parsed (`{ parsed }`, as behind express.json()), so no socket or stream buffers
// blur the figure. The store is `new MemoryDedupeStore()`, what the default creates, passed in
// only so that its size can be read.
import { parseArgs } from 'node:util';
import { createPipeline, MemoryDedupeStore } from '../dist/esm/index.js';
import { AUTHORIZATION, deliveryBody, mb } from './shared.mjs';

if (typeof globalThis.gc !== 'function') {
  console.error('run with --expose-gc: node --expose-gc bench/memory.mjs');
  process.exit(2);
}
const { values } = parseArgs({
  options: { events: { type: 'string', default: '1000000' }, every: { type: 'string', default: '100000' } },
});
const total = Number(values.events);
const every = Number(values.every);

// An IDWise-shaped eventId (a UUID; IDWise also sends 24-hex and 20-character ids).
const eventId = (n) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const headers = { authorization: AUTHORIZATION, 'content-type': 'application/json' };
// Parsed from JSON text, as express.json() would hand it over: the strings are then flat, as on a
// real server. (Ids built by concatenation stay V8 cons strings, and the store would then hold a
// second 32-byte object per key that no real delivery carries.)
const request = (n) => ({
  method: 'POST',
  headers,
  ip: '127.0.0.1',
  body: { parsed: JSON.parse(deliveryBody(eventId(n))) },
});

function heap() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external + m.arrayBuffers, rss: m.rss };
}

const store = new MemoryDedupeStore();
const pipeline = createPipeline({ auth: { type: 'bearer', tokens: [AUTHORIZATION.slice(7)] }, store });
let heard = 0;
pipeline.events.on('journeyCompleted', async () => {
  heard += 1;
});

const samples = [];
const started = performance.now();
const sample = (events) => {
  const h = heap();
  samples.push({ events, storeSize: store.size, seconds: (performance.now() - started) / 1000, ...h });
  console.log(
    `${String(events).padStart(9)} events  store ${String(store.size).padStart(6)} keys  ` +
      `heap ${mb(h.heapUsed).padStart(6)} MB  external ${mb(h.external).padStart(5)} MB  rss ${mb(h.rss).padStart(6)} MB  ` +
      `${samples.at(-1).seconds.toFixed(1)} s`,
  );
};

console.log(`${total} distinct events through createPipeline().handle(), default options, heap after forced GC:`);
sample(0);
const checkpoints = new Set([10_000, 50_000, 200_000]);
let failures = 0;
// A few deliveries at a time, as concurrent requests would arrive, without a million pending promises.
// 50 divides every checkpoint, so a sample is taken after exactly that many events.
const BATCH = 50;
for (let n = 0; n < total; n += BATCH) {
  const batch = [];
  for (let i = n; i < Math.min(total, n + BATCH); i++) batch.push(pipeline.handle(request(i)));
  for (const response of await Promise.all(batch)) if (response.status !== 200) failures += 1;
  const done = Math.min(total, n + BATCH);
  if (done % every === 0 || checkpoints.has(done)) sample(done);
}
await pipeline.close();

const at = (events) => samples.find((s) => s.events === events);
const empty = at(0);
const full = samples.find((s) => s.storeSize >= 100_000 && s.events >= 100_000);
const h200k = at(200_000);
const hLast = samples.at(-1);
// Just full, and levelled off: past maxEntries the LRU's Map and arrays settle a little larger.
const perKey = full ? (full.heapUsed - empty.heapUsed) / full.storeSize : NaN;
const perKeySteady = (hLast.heapUsed - empty.heapUsed) / hLast.storeSize;
const perKeyWithExternal = (hLast.heapUsed + hLast.external - empty.heapUsed - empty.external) / hLast.storeSize;
console.log('');
console.log(`answers other than 200: ${failures}; journeyCompleted heard ${heard} times`);
console.log(
  `store levels off at maxEntries = ${store.size} keys (MemoryDedupeStore default 100 000, least recently used forgotten first)`,
);
console.log(
  `bytes per remembered key (heap after GC minus the empty pipeline's, over keys held): ${perKey.toFixed(0)} when the ` +
    `store first fills (${full?.events} events), ${perKeySteady.toFixed(0)} levelled off at ${hLast.events} events ` +
    `(${perKeyWithExternal.toFixed(0)} counting external/ArrayBuffer memory); keys are a 36-character UUID eventId`,
);
if (h200k && hLast.events > h200k.events) {
  const growth = hLast.heapUsed / h200k.heapUsed - 1;
  console.log(
    `heap at ${hLast.events} events vs 200 000: ${mb(hLast.heapUsed)} MB vs ${mb(h200k.heapUsed)} MB, ` +
      `${(growth * 100).toFixed(1)}% → ${Math.abs(growth) <= 0.1 ? 'PASS' : 'FAIL'} (target within 10%)`,
  );
}
console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
