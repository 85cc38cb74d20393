// `node bench/profile.mjs [--configs d,f] [--duration S] [--top N]`: runs configurations under
// `node --cpu-prof`, loads them with distinct events, and summarises where the server's time went:
// self time by package (this package's dist/, express, raw-body, node internals, GC...), then the
// functions with the most self time, then this package's functions by inclusive time.
// The .cpuprofile files stay in bench/out/profiles/ (gitignored) for Chrome DevTools or speedscope.
// BENCH_DIST=<dir>/esm profiles another build of the package (as run.mjs --compare gives it).
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { idSource, load, startServer } from './harness.mjs';

const { values } = parseArgs({
  options: {
    configs: { type: 'string', default: 'd,f' },
    duration: { type: 'string', default: '8' },
    top: { type: 'string', default: '25' },
    connections: { type: 'string', default: '10' },
  },
});
const dir = fileURLToPath(new URL('./out/profiles/', import.meta.url));
mkdirSync(dir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
// Where the profiled build's files are: this package's dist/, or the build in BENCH_DIST.
const otherBuild = process.env.BENCH_DIST && pathToFileURL(resolve(process.env.BENCH_DIST)).href + '/';

for (const config of values.configs.split(',')) {
  const name = `${config}-${stamp}.cpuprofile`;
  const server = await startServer(config, {
    execArgv: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', name, '--cpu-prof-interval', '250'],
  });
  const nextId = idSource(config);
  const figures = await load({
    port: server.port,
    connections: Number(values.connections),
    duration: Number(values.duration),
    nextId,
  });
  await server.stop();
  console.log(
    `\n## (${config}) profiled over ${figures.requests} requests (${Math.round(figures.rps)} req/s under the profiler)`,
  );
  const file = readdirSync(dir).find((f) => f === name);
  if (!file) {
    console.log(`no profile written for (${config})`);
    continue;
  }
  summarise(JSON.parse(readFileSync(dir + file, 'utf8')), Number(values.top), figures.requests);
  console.log(`profile: bench/out/profiles/${file}`);
}

function categoryOf(url, functionName) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = url.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  if (otherBuild && url.startsWith(otherBuild)) return `idwise-webhooks ${url.slice(otherBuild.length)}`;
  const dist = url.match(/\/dist\/(?:esm|cjs)\/(.+)$/);
  if (dist) return `idwise-webhooks ${dist[1]}`;
  if (url.includes('/bench/')) return 'bench server';
  return url;
}

function summarise(profile, top, requests) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  // Every sample is one interval of time spent in the sampled node's function.
  const selfSamples = new Map();
  for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  const idle = [...nodes.values()].filter((n) => n.callFrame.functionName === '(idle)');
  const idleSamples = idle.reduce((sum, n) => sum + (selfSamples.get(n.id) ?? 0), 0);
  const busy = profile.samples.length - idleSamples;
  const microsPerSample = (profile.endTime - profile.startTime) / profile.samples.length;
  const pct = (samples) => `${((samples / busy) * 100).toFixed(1).padStart(5)}%`;
  const perReq = (samples) => `${((samples * microsPerSample) / requests).toFixed(2).padStart(6)} µs/req`;

  const keyOf = (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    return `${functionName || '(anonymous)'} ${categoryOf(url, functionName)}:${lineNumber + 1}`;
  };
  const byCategory = new Map();
  const byFunction = new Map();
  for (const [id, samples] of selfSamples) {
    const n = nodes.get(id);
    if (n.callFrame.functionName === '(idle)') continue;
    const category = categoryOf(n.callFrame.url, n.callFrame.functionName);
    byCategory.set(category, (byCategory.get(category) ?? 0) + samples);
    byFunction.set(keyOf(n), (byFunction.get(keyOf(n)) ?? 0) + samples);
  }

  // Inclusive time of this package's functions: samples anywhere below them, each counted once
  // per function even when it recurses.
  const parent = new Map();
  for (const n of nodes.values()) for (const child of n.children ?? []) parent.set(child, n.id);
  const inclusive = new Map();
  for (const [id, samples] of selfSamples) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const n = nodes.get(at);
      if (!categoryOf(n.callFrame.url, '').startsWith('idwise-webhooks')) continue;
      const key = keyOf(n);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + samples);
    }
  }

  const print = (title, map, limit) => {
    console.log(`\n${title}`);
    for (const [key, samples] of [...map].sort((x, y) => y[1] - x[1]).slice(0, limit)) {
      console.log(`  ${pct(samples)} ${perReq(samples)}  ${key}`);
    }
  };
  console.log(
    `busy ${((busy * microsPerSample) / 1e6).toFixed(2)} s of ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s; ` +
      `${((busy * microsPerSample) / requests).toFixed(1)} µs of sampled time per request (the profiler itself adds some)`,
  );
  print('self time by package/file:', byCategory, 20);
  print(`top ${top} functions by self time:`, byFunction, top);
  print('idwise-webhooks functions by inclusive time:', inclusive, 20);
}
