// Starting benchmark servers as child processes, asking them for their CPU time, and loading them
// with autocannon. Shared by run.mjs, memory-http.mjs and profile.mjs.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { AUTHORIZATION, PATH, deliveryBody } from './shared.mjs';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

/** Forks `server.mjs <config>` and resolves once it listens. */
export function startServer(config, { execArgv = [], env = {} } = {}) {
  const child = fork(SERVER, [config], {
    execArgv,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map();
  let nextId = 0;
  let bye;
  const byeReceived = new Promise((resolve) => (bye = resolve));
  child.on('message', (message) => {
    if (message.type === 'mark') {
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    } else if (message.type === 'bye') bye(message);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    exited.then(({ code, signal }) => reject(new Error(`server ${config} exited early (${code ?? signal})`)));
    child.on('message', (message) => {
      if (message.type !== 'ready') return;
      resolve({
        config,
        port: message.port,
        pid: child.pid,
        /** The package build this server imported (d, e, f), so a run can show which it loaded. */
        packageUrl: message.packageUrl,
        /** The server's own CPU time, request count and memory, read between rounds. */
        mark({ gc = false } = {}) {
          const id = nextId++;
          return new Promise((done) => {
            waiting.set(id, done);
            child.send({ type: 'mark', id, gc });
          });
        },
        /** Closes the server (and cleans its Redis keys); resolves with its last figures once it exited. */
        async stop() {
          child.send({ type: 'shutdown' });
          const last = await Promise.race([byeReceived, exited.then(() => ({}))]);
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
          return last;
        },
      });
    });
  });
}

/**
 * Event ids for one server: every request a new id, or with `duplicateShare` 0.5 every other
 * request repeats an id sent 1 000 to 3 000 requests earlier to the same server: long enough ago
 * that its first delivery has finished (a duplicate of an event still in flight would be a 409,
 * which the hand-written version has no notion of), recent enough to be remembered by every store.
 */
export function idSource(config) {
  const tag = `${config}-${process.pid}-${Date.now().toString(36)}`;
  const recent = new Array(4096);
  let fresh = 0;
  let sent = 0;
  return (duplicateShare) => {
    sent += 1;
    if (duplicateShare > 0 && fresh > 3000 && sent % Math.round(1 / duplicateShare) === 0) {
      return recent[(fresh - 1000 - Math.floor(Math.random() * 2000)) % recent.length];
    }
    const id = `${tag}-${fresh}`;
    recent[fresh % recent.length] = id;
    fresh += 1;
    return id;
  };
}

/** The q-quantile of a sorted array. */
const quantile = (sorted, q) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

/**
 * Loads one server for `duration` seconds; every request body is built by `setupRequest`.
 * autocannon's own latency histogram keeps whole milliseconds, too coarse on loopback, so the
 * latencies come from its `response` events (hrtime-based, fractional milliseconds) instead.
 */
export async function load({ port, connections, duration, amount, nextId, duplicateShare = 0, rate }) {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        // `amount`: exactly that many requests, however long they take (memory-http.mjs).
        ...(amount ? { amount } : { duration }),
        pipelining: 1,
        timeout: 10,
        // Unset: every connection sends its next request as soon as the last is answered (saturation).
        ...(rate ? { overallRate: rate } : {}),
        requests: [
          {
            method: 'POST',
            path: PATH,
            headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
            setupRequest(request) {
              request.body = deliveryBody(nextId(duplicateShare));
              return request;
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    });
  });
  const sorted = latencies.subarray(0, count).sort();
  return {
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Loads a server between two marks and returns the load figures plus its CPU time per request. */
export async function measuredLoad(server, options) {
  const before = await server.mark();
  const figures = await load({ port: server.port, ...options });
  // Let the last answers leave before reading the server's clock.
  await sleep(150);
  const after = await server.mark();
  const served = after.requests - before.requests;
  const cpuMicros = after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system);
  return {
    ...figures,
    served,
    cpuMicros,
    cpuPerRequest: cpuMicros / served,
    userShare: (after.cpu.user - before.cpu.user) / cpuMicros,
    rss: after.rss,
    maxRss: after.maxRss,
  };
}
