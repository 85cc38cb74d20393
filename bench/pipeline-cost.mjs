// `node bench/pipeline-cost.mjs [--events N] [--rounds N] [--concurrency N] [--thrash MB] [--dist DIR]`:
// CPU time of the framework-free pipeline alone, in process, with no HTTP and no load generator
// competing for the cores: createPipeline(...).handle() on configuration (d)'s options (bearer
// auth, memory store, one trivial async listener), fed a body stream (as the node:http face does)
// or an already parsed body (as behind express.json()). Steadier than the HTTP bench, so a quick
// check of a change in lib/; `--dist` runs another build (e.g. `--dist .tmp/ref/esm`) to compare.
// The HTTP bench remains the judge of the targets. `--thrash 8` runs it with cold caches, closer
// to what handle() costs among the HTTP stack's work.
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AUTHORIZATION, TOKEN, deliveryBody, median } from './shared.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '7' },
    dist: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    // Touch this many MB of other memory before each batch, as the HTTP stack and the load
    // generator do between requests, so the pipeline runs with cold caches. The figure is then
    // the wall time of the batches alone (the touching is outside it), not the process's CPU.
    thrash: { type: 'string', default: '0' },
  },
});
const { createPipeline } = await import(
  values.dist ? pathToFileURL(resolve(values.dist, 'index.js')).href : '../dist/esm/index.js'
);
const events = Number(values.events);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const thrash = new Float64Array((Number(values.thrash) * 1024 * 1024) / 8);
const touch = () => {
  // One write per 64-byte cache line.
  for (let i = 0; i < thrash.length; i += 8) thrash[i] += 1;
};

const pipeline = createPipeline({ auth: { type: 'bearer', tokens: [TOKEN] } });
pipeline.events.on('journeyCompleted', async () => {});

let seq = 0;
const requests = {
  stream() {
    const body = Buffer.from(deliveryBody(`cost-${seq++}`));
    const headers = {
      authorization: AUTHORIZATION,
      'content-type': 'application/json',
      'content-length': String(body.length),
    };
    return { method: 'POST', headers, ip: '127.0.0.1', body: { stream: Readable.from([body], { objectMode: false }) } };
  },
  parsed() {
    const headers = { authorization: AUTHORIZATION, 'content-type': 'application/json' };
    return { method: 'POST', headers, ip: '127.0.0.1', body: { parsed: JSON.parse(deliveryBody(`cost-${seq++}`)) } };
  },
};

async function round(kind) {
  const make = requests[kind];
  const before = process.cpuUsage();
  let inBatches = 0n;
  // `concurrency` at a time, as concurrent connections would deliver them.
  for (let n = 0; n < events; n += concurrency) {
    if (thrash.length > 0) touch();
    const batch = [];
    const start = process.hrtime.bigint();
    for (let i = 0; i < concurrency; i++) batch.push(pipeline.handle(make()));
    const responses = await Promise.all(batch);
    inBatches += process.hrtime.bigint() - start;
    for (const response of responses) {
      if (response.status !== 200) throw new Error(`unexpected ${response.status}`);
    }
  }
  if (thrash.length > 0) return Number(inBatches) / 1000 / events;
  const used = process.cpuUsage(before);
  return (used.user + used.system) / events;
}

const results = { stream: [], parsed: [] };
await round('stream');
await round('parsed');
for (let r = 0; r < rounds; r++) {
  results.stream.push(await round('stream'));
  results.parsed.push(await round('parsed'));
}
await pipeline.close();
console.log(
  `pipeline.handle() per request, ${concurrency} at a time, median of ${rounds} rounds of ${events} (µs)` +
    (thrash.length > 0 ? `, wall time with ${values.thrash} MB touched before each batch:` : ', process CPU:'),
);
for (const [kind, list] of Object.entries(results)) {
  console.log(
    `  ${kind.padEnd(7)} ${median(list).toFixed(2)}  (min ${Math.min(...list).toFixed(2)}, max ${Math.max(...list).toFixed(2)})`,
  );
}
console.log('  (both include building the request on the bench side, about 1 µs)');
