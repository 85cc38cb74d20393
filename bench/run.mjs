// `npm run bench [-- options]`: six configurations, each in its own server process on 127.0.0.1,
// loaded in turn round after round with a realistic delivery (every request a new eventId):
//   (a) bare node:http + JSON.parse           (d) idwiseWebhooks() on Express, default memory store
//   (b) Express + express.json()              (e) (d) on the Redis store (ioredis, 127.0.0.1:6379)
//   (c) (b) + the package's checks by hand    (f) createNodeHandler() on bare node:http
// Each is judged on the server's own CPU time per request (process.cpuUsage() over the requests it
// served). A target passes when both the ratio of the medians and the median of the per-round
// (paired) ratios are within it; req/s and latency are reported beside it. Printed, and kept in
// bench/out/ (gitignored). About 4 minutes with the defaults, 6 with --compare.
//
// Options (flag or environment variable):
//   --rounds N        BENCH_ROUNDS        rounds of distinct events (default 10)
//   --duration S      BENCH_DURATION      seconds of load per configuration per round (default 2)
//   --dup-rounds N    BENCH_DUP_ROUNDS    rounds in which every other request repeats an earlier
//                                         event; 0 skips them (default 3)
//   --dup-duration S  BENCH_DUP_DURATION  seconds per configuration in those rounds (default 3)
//   --warmup S        BENCH_WARMUP        unrecorded seconds of load per server first (default 2)
//   --connections N   BENCH_CONNECTIONS   concurrent keep-alive connections (default 10)
//   --rate N          BENCH_RATE          requests per second, the same for every configuration;
//                                         0 sends as fast as each server answers (default 0)
//   --only a,d,f      BENCH_ONLY          run only these configurations
//   --compare DIR     BENCH_COMPARE       also run (d), (e) and (f) on another build of the package
//                                         as (d@ref) etc., and report this build's CPU per request
//                                         against it. Build it with `node scripts/build.mjs <dir>`
//                                         inside a checkout whose node_modules resolves (plain tsc
//                                         leaves out the precompiled validators), then give
//                                         `--compare <dir>/esm`
//   --memory                              also run memory.mjs and memory-http.mjs (about 4 minutes)
//   --no-cold-start                       skip cold-start.mjs
//   --profile                             also run profile.mjs (CPU profiles of (d) and (f))
//   --pin                                 servers on CPU 0, this process (the load generator) on
//                                         the last CPU, with taskset (Linux, 2+ cores)
//   --help                                print this text
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { idSource, load, measuredLoad, startServer } from './harness.mjs';
import { mb, median } from './shared.mjs';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    'dup-rounds': { type: 'string' },
    'dup-duration': { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    rate: { type: 'string' },
    only: { type: 'string' },
    compare: { type: 'string' },
    memory: { type: 'boolean', default: false },
    'no-cold-start': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  // The comment at the top of this file is the help text.
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').match(/^(?:\/\/.*\n)+/)[0];
  console.log(header.replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const num = (flag, env, fallback) => {
  const value = Number(flags[flag] ?? process.env[env] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag} / ${env} must be a non-negative number`);
  return value;
};
const settings = {
  rounds: num('rounds', 'BENCH_ROUNDS', 10),
  duration: num('duration', 'BENCH_DURATION', 2),
  dupRounds: num('dup-rounds', 'BENCH_DUP_ROUNDS', 3),
  dupDuration: num('dup-duration', 'BENCH_DUP_DURATION', 3),
  warmup: num('warmup', 'BENCH_WARMUP', 2),
  connections: num('connections', 'BENCH_CONNECTIONS', 10),
  rate: num('rate', 'BENCH_RATE', 0),
  pin: flags.pin,
};

const LABELS = {
  a: 'bare node:http + JSON.parse',
  b: 'Express + express.json()',
  c: 'hand-written: (b) + bearer + ajv + Map + emit',
  d: 'idwiseWebhooks(), memory store',
  e: 'idwiseWebhooks(), Redis store (ioredis)',
  f: 'createNodeHandler() on node:http',
  m: '(d) with the Prometheus subscriber of examples/prometheus',
};
const TARGETS = [
  { name: '(d) ≤ 1.0 × (c)', of: 'd', base: 'c', max: 1.0 },
  { name: '(d) ≤ 1.1 × (b)', of: 'd', base: 'b', max: 1.1 },
  { name: '(f) ≤ 1.5 × (a)', of: 'f', base: 'a', max: 1.5 },
];
// Shown under the targets, with none of its own: a network store costs round trips the memory store does not.
const CONTEXT = [
  { name: '(e) / (d): Redis store against memory store', of: 'e', base: 'd' },
  { name: '(m) / (d): the Prometheus subscriber against none', of: 'm', base: 'd' },
];

const only = (flags.only ?? process.env.BENCH_ONLY)?.split(',').map((s) => s.trim());
let configs = Object.keys(LABELS).filter((c) => !only || only.includes(c));
const skipped = Object.fromEntries(
  Object.keys(LABELS)
    .filter((c) => !configs.includes(c))
    .map((c) => [c, 'not selected by --only']),
);

// A/B over HTTP: each package configuration beside its twin on the reference build, in the same
// rounds, so that the machine's drift falls on both alike.
const compareDir = flags.compare ?? process.env.BENCH_COMPARE;
const twins = [];
if (compareDir) {
  configs = configs.flatMap((c) => {
    if (!['d', 'e', 'f'].includes(c)) return [c];
    twins.push(c);
    LABELS[`${c}@ref`] = `${LABELS[c]}, on the build in ${compareDir}`;
    return [c, `${c}@ref`];
  });
}

if (configs.includes('e')) {
  const reason = await redisUnavailable();
  if (reason) {
    skipped.e = reason;
    configs = configs.filter((c) => c !== 'e' && c !== 'e@ref');
    console.log(`(e) skipped: ${reason}`);
  }
}

async function redisUnavailable() {
  try {
    const { Redis } = await import('ioredis');
    const client = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    await client.ping();
    await client.quit();
    return undefined;
  } catch (error) {
    return `Redis on 127.0.0.1:6379 does not answer (${error.message})`;
  }
}

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  // Other work on a shared machine shows here: above the core count, rounds compete for CPU.
  loadAverageAtStart: loadavg()[0],
};
console.log(
  `${machine.cpu} × ${machine.nproc}, Node ${machine.node}; ${settings.connections} connections, ` +
    `${settings.rounds} × ${settings.duration} s distinct + ${settings.dupRounds} × ${settings.dupDuration} s 50% duplicates ` +
    `per configuration, warm-up ${settings.warmup} s, ${settings.rate ? `${settings.rate} req/s each` : 'saturating'}; ` +
    `${settings.pin ? `servers pinned to CPU 0, load generator to CPU ${machine.nproc - 1}; ` : ''}` +
    `load average ${machine.loadAverageAtStart.toFixed(2)}`,
);

/** Every thread of `pid` (and the threads it starts later) on `cpu` only. */
function pin(pid, cpu) {
  const result = spawnSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `--pin: taskset failed (${result.error?.message ?? result.stderr.trim()}); it needs Linux's util-linux`,
    );
  }
}
if (settings.pin) {
  if (machine.nproc < 2)
    throw new Error('--pin needs at least 2 CPUs: one for the servers, one for the load generator');
  pin(process.pid, machine.nproc - 1);
}

const servers = {};
const refUrl = compareDir && pathToFileURL(resolve(compareDir)).href + '/';
for (const config of configs) {
  const ref = config.endsWith('@ref');
  servers[config] = await startServer(config, ref ? { env: { BENCH_DIST: compareDir } } : {});
  if (settings.pin) pin(servers[config].pid, 0);
  const url = servers[config].packageUrl;
  // A comparison is only worth its name if each side really loaded its own build.
  if (url && ref !== url.startsWith(refUrl ?? '\0')) throw new Error(`(${config}) loaded the wrong build: ${url}`);
  if (url) console.log(`(${config}) imports ${fileURLToPath(url)}`);
}
const ids = Object.fromEntries(configs.map((c) => [c, idSource(c)]));
const loadOptions = (config, duration, duplicateShare) => ({
  connections: settings.connections,
  duration,
  nextId: ids[config],
  duplicateShare,
  rate: settings.rate,
});

let stopping = false;
async function stopAll() {
  if (stopping) return {};
  stopping = true;
  const finals = {};
  for (const [config, server] of Object.entries(servers)) finals[config] = await server.stop();
  return finals;
}
process.once('SIGINT', () => {
  console.log('\ninterrupted: stopping servers (and cleaning the Redis prefix)');
  void stopAll().then(() => process.exit(130));
});

const started = Date.now();
if (settings.warmup > 0) {
  for (const config of configs) await load({ port: servers[config].port, ...loadOptions(config, settings.warmup, 0) });
}

// The order of the loads within a round, then reversed in the next: each target's two sides next
// to each other, so that the machine's drift between them is the seconds of one load. (d) sits
// between its two bases; a reference build runs beside its twin (d@ref just past (c)).
const RUN_ORDER = ['a', 'f', 'f@ref', 'b', 'd', 'm', 'c', 'd@ref', 'e', 'e@ref'];

async function phase(name, rounds, duration, duplicateShare) {
  // The report keeps the labels' order; only the loads follow RUN_ORDER.
  const samples = Object.fromEntries(configs.map((c) => [c, []]));
  const runOrder = RUN_ORDER.filter((c) => configs.includes(c));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? runOrder : [...runOrder].reverse();
    const line = [];
    for (const config of order) {
      const sample = await measuredLoad(servers[config], loadOptions(config, duration, duplicateShare));
      samples[config].push(sample);
      line.push(`${config} ${Math.round(sample.rps)} req/s ${sample.cpuPerRequest.toFixed(1)} µs`);
    }
    console.log(`${name} round ${round + 1}/${rounds}: ${line.join(' | ')}`);
  }
  return summarise(samples);
}

function summarise(samples) {
  const summary = {};
  for (const [config, list] of Object.entries(samples)) {
    if (list.length === 0) continue;
    const sum = (field) => list.reduce((total, s) => total + s[field], 0);
    const cpu = list.map((s) => s.cpuPerRequest);
    summary[config] = {
      rounds: list.length,
      rps: median(list.map((s) => s.rps)),
      p50: median(list.map((s) => s.p50)),
      p99: median(list.map((s) => s.p99)),
      cpuPerRequest: median(cpu),
      cpuPerRequestMin: Math.min(...cpu),
      cpuPerRequestMax: Math.max(...cpu),
      requests: sum('served'),
      non2xx: sum('non2xx'),
      errors: sum('errors') + sum('timeouts'),
      statusCodes: list.reduce((codes, s) => {
        for (const [code, count] of Object.entries(s.statusCodes)) codes[code] = (codes[code] ?? 0) + count;
        return codes;
      }, {}),
      maxRss: Math.max(...list.map((s) => s.maxRss)),
      samples: list,
    };
  }
  return summary;
}

const results = { machine, settings, skipped, phases: {} };
results.phases.distinct = await phase('distinct', settings.rounds, settings.duration, 0);
if (settings.dupRounds > 0) {
  results.phases.duplicates = await phase('50% dup', settings.dupRounds, settings.dupDuration, 0.5);
}
const finals = await stopAll();
results.peakRss = Object.fromEntries(Object.entries(finals).map(([c, f]) => [c, f.maxRss]));
results.redisCleanup = Object.values(finals)
  .filter((f) => f.redisPrefix)
  .map((f) => ({ prefix: f.redisPrefix, keysDeleted: f.redisKeysDeleted }));
results.loadSeconds = (Date.now() - started) / 1000;
results.machine.loadAverageAtEnd = loadavg()[0];

const ratio = (summary, of, base, field) =>
  summary[of] && summary[base] ? summary[of][field] / summary[base][field] : undefined;
// Round by round: the two loads of a pair ran seconds apart, so a check on the ratio of medians
// when the machine drifts.
const pairedRatios = (summary, of, base) =>
  summary[of] && summary[base]
    ? summary[of].samples.map((s, i) => s.cpuPerRequest / summary[base].samples[i].cpuPerRequest)
    : [];
const pairedRatio = (summary, of, base) => {
  const ratios = pairedRatios(summary, of, base);
  return ratios.length ? median(ratios) : undefined;
};
// How the per-round ratios spread and, for a target, in how many rounds it held.
const pairedSpread = (summary, of, base, max) => {
  const ratios = pairedRatios(summary, of, base);
  if (!ratios.length) return 'n/a | n/a';
  const within = max === undefined ? 'n/a' : `${ratios.filter((r) => r <= max).length} of ${ratios.length}`;
  return `${fmt(Math.min(...ratios))}-${fmt(Math.max(...ratios))} | ${within}`;
};
const ratioRow = (name, summary, of, base, max, verdict) =>
  `| ${name} | ${fmt(ratio(summary, of, base, 'cpuPerRequest'))} | ${fmt(pairedRatio(summary, of, base))} | ` +
  `${pairedSpread(summary, of, base, max)} | ${fmt(ratio(summary, of, base, 'rps'))} | ` +
  `${fmt(ratio(summary, of, base, 'p50'))} | ${fmt(ratio(summary, of, base, 'p99'))} | ${verdict} |`;
const fmt = (value, digits = 2) => (value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));

function table(title, summary) {
  const rows = [
    `### ${title}`,
    '',
    '| config | req/s | p50 ms | p99 ms | CPU µs/req (min-max) | requests | non-2xx | errors | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [config, s] of Object.entries(summary)) {
    rows.push(
      `| (${config}) ${LABELS[config]} | ${Math.round(s.rps)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ` +
        `${s.cpuPerRequest.toFixed(1)} (${s.cpuPerRequestMin.toFixed(1)}-${s.cpuPerRequestMax.toFixed(1)}) | ` +
        `${s.requests} | ${s.non2xx} | ${s.errors} | ${mb(results.peakRss[config] ?? s.maxRss)} |`,
    );
  }
  return rows.join('\n');
}

function ratioTable(title, summary, judge) {
  const rows = [
    `### ${title}`,
    '',
    '| target | CPU/req ratio | paired CPU ratio | paired, min-max | rounds within | req/s ratio | p50 ratio | p99 ratio | verdict |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const t of TARGETS) {
    const cpu = ratio(summary, t.of, t.base, 'cpuPerRequest');
    const paired = pairedRatio(summary, t.of, t.base);
    // Both ratios: on a noisy machine either one alone can pass a run whose rounds mostly failed.
    const verdict =
      cpu === undefined
        ? `SKIPPED${skipped[t.of] || skipped[t.base] ? ` (${skipped[t.of] ?? skipped[t.base]})` : ''}`
        : cpu <= t.max && paired <= t.max
          ? 'PASS'
          : cpu <= t.max || paired <= t.max
            ? 'FAIL (one of the two ratios within)'
            : 'FAIL';
    if (judge) t.verdict = verdict;
    rows.push(ratioRow(t.name, summary, t.of, t.base, t.max, judge ? verdict : '(informative)'));
  }
  for (const c of CONTEXT) {
    if (summary[c.of] && summary[c.base])
      rows.push(ratioRow(c.name, summary, c.of, c.base, undefined, '(context, no target)'));
  }
  return rows.join('\n');
}

function compareTable(summary) {
  const rows = [
    `### This build against the one in ${compareDir} (CPU per request, distinct events)`,
    '',
    '| configuration | this build µs/req | reference µs/req | ratio | paired | paired, min-max | rounds this build was cheaper |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of twins) {
    const ref = `${c}@ref`;
    if (!summary[c] || !summary[ref]) continue;
    const ratios = pairedRatios(summary, c, ref);
    rows.push(
      `| (${c}) | ${fmt(summary[c].cpuPerRequest, 1)} | ${fmt(summary[ref].cpuPerRequest, 1)} | ` +
        `${fmt(ratio(summary, c, ref, 'cpuPerRequest'))} | ${fmt(pairedRatio(summary, c, ref))} | ` +
        `${fmt(Math.min(...ratios))}-${fmt(Math.max(...ratios))} | ${ratios.filter((r) => r < 1).length} of ${ratios.length} |`,
    );
  }
  return rows.join('\n');
}

const report = [
  table('Distinct events (every request a new eventId)', results.phases.distinct),
  '',
  ratioTable('Ratios, distinct events (targets judged here, on CPU per request)', results.phases.distinct, true),
];
if (twins.length) report.push('', compareTable(results.phases.distinct));
if (results.phases.duplicates) {
  report.push(
    '',
    table(
      '50% duplicates (every other request repeats an eventId seen 1 000-3 000 requests earlier)',
      results.phases.duplicates,
    ),
    '',
    ratioTable('Ratios, 50% duplicates', results.phases.duplicates, false),
  );
}
report.push(
  '',
  'Targets: ' + TARGETS.map((t) => `${t.name}: ${t.verdict}`).join('; '),
  `Load phase took ${results.loadSeconds.toFixed(0)} s; load average ${machine.loadAverageAtStart.toFixed(2)} at start, ` +
    `${results.machine.loadAverageAtEnd.toFixed(2)} at end (${machine.nproc} cores, the load generator included).` +
    results.redisCleanup
      .map(({ prefix, keysDeleted }) => ` Redis prefix ${prefix}: ${keysDeleted} keys deleted.`)
      .join(''),
);
console.log('\n' + report.join('\n'));

const outDir = fileURLToPath(new URL('./out/', import.meta.url));
mkdirSync(outDir, { recursive: true });
results.targets = TARGETS.map(({ name, verdict }) => ({ name, verdict }));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(`${outDir}run-${stamp}.json`, JSON.stringify(results, null, 2));
writeFileSync(`${outDir}run-${stamp}.md`, report.join('\n') + '\n');
console.log(`\nraw figures: bench/out/run-${stamp}.json`);

// The other measurements run in their own fresh processes, after the load servers are gone.
const node = (args) => {
  console.log(`\n$ node ${args.join(' ')}`);
  const run = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  if (run.status !== 0) console.error(`(exited with ${run.status ?? run.signal})`);
};
if (!flags['no-cold-start']) node(['bench/cold-start.mjs']);
if (flags.memory) {
  node(['--expose-gc', 'bench/memory.mjs']);
  node(['bench/memory-http.mjs']);
}
if (flags.profile) node(['bench/profile.mjs']);
