// `node bench/memory-http.mjs [--events N] [--connections N] [--config d]`: 1 000 000 distinct
// events sent over HTTP to configuration (d) (Express + idwiseWebhooks() at default options, so
// the default memory store), with the server's heap after a forced GC read along the way. The
// server runs with --expose-gc and collects only when asked over IPC, between batches. The target:
// the heap flat (within 10%) from 200 000 to 1 000 000 events.
//
// memory.mjs measures the same in process, faster, and reads the store's size as well.
import { parseArgs } from 'node:util';
import { idSource, load, startServer } from './harness.mjs';
import { mb } from './shared.mjs';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    connections: { type: 'string', default: '10' },
    // (b), plain Express with express.json(), shows what the same stream costs without the package.
    config: { type: 'string', default: 'd' },
  },
});
const total = Number(values.events);
const milestones = [0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1].map((share) => Math.round(total * share));

const server = await startServer(values.config, { execArgv: ['--expose-gc'] });
const nextId = idSource(`memory-${values.config}`);
const started = performance.now();
const samples = [];
const sample = async (events) => {
  const mark = await server.mark({ gc: true });
  const row = {
    events,
    served: mark.requests,
    heapUsed: mark.heapUsed,
    external: mark.external,
    rss: mark.rss,
    maxRss: mark.maxRss,
    seconds: (performance.now() - started) / 1000,
  };
  samples.push(row);
  console.log(
    `${String(events).padStart(9)} events  heap ${mb(row.heapUsed).padStart(6)} MB  external ${mb(row.external).padStart(5)} MB  ` +
      `rss ${mb(row.rss).padStart(6)} MB  ` +
      `${row.seconds.toFixed(0).padStart(4)} s`,
  );
};

await sample(0);
let sent = 0;
let failures = 0;
for (const milestone of milestones) {
  const result = await load({
    port: server.port,
    connections: Number(values.connections),
    amount: milestone - sent,
    nextId,
  });
  failures += result.non2xx + result.errors + result.timeouts;
  sent = milestone;
  await sample(sent);
}
await server.stop();

const at = (events) => samples.find((s) => s.events === events);
const fifth = at(milestones[3]);
const last = at(total);
const growth = last.heapUsed / fifth.heapUsed - 1;
console.log(
  `\nheap at ${total} events vs ${milestones[3]}: ${mb(last.heapUsed)} MB vs ${mb(fifth.heapUsed)} MB, ` +
    `${(growth * 100).toFixed(1)}% → ${Math.abs(growth) <= 0.1 ? 'PASS' : 'FAIL'} (target: within 10%)`,
);
console.log(`non-2xx answers, errors and timeouts: ${failures}; requests the server counted: ${last.served}`);
