// `node bench/pipeline-cost.mjs [--events N] [--rounds N] [--concurrency N] [--dist DIR]`: CPU time of the framework-free
// pipeline alone, in process, with no HTTP and no load generator competing for the two cores:
// createPipeline(...).handle() on configuration (d)'s options (bearer auth, memory store, one
// trivial async listener), fed a body stream (as the node:http face does) or an already parsed body
// (as behind express.json()). Steadier than the HTTP bench on a noisy machine, so it is what a
// change in lib/ is checked against (`--dist` points at another build, e.g. one made with
// `npx tsc -p tsconfig.json --outDir /tmp/before`, to compare two versions alternately); the HTTP
// bench remains the judge of the targets.
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
  },
});
const { createPipeline } = await import(
  values.dist ? pathToFileURL(resolve(values.dist, 'index.js')).href : '../dist/esm/index.js'
);
const events = Number(values.events);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);

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
  // `concurrency` at a time, as concurrent connections would deliver them.
  for (let n = 0; n < events; n += concurrency) {
    const batch = [];
    for (let i = 0; i < concurrency; i++) batch.push(pipeline.handle(make()));
    for (const response of await Promise.all(batch)) {
      if (response.status !== 200) throw new Error(`unexpected ${response.status}`);
    }
  }
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
  `pipeline.handle() CPU per request, ${concurrency} at a time, median of ${rounds} rounds of ${events} (µs):`,
);
for (const [kind, list] of Object.entries(results)) {
  console.log(
    `  ${kind.padEnd(7)} ${median(list).toFixed(2)}  (min ${Math.min(...list).toFixed(2)}, max ${Math.max(...list).toFixed(2)})`,
  );
}
console.log('  (both include building the request on the bench side, about 1 µs)');
