// `node bench/cold-start.mjs [--runs N]`: from importing the package to the first answered request,
// in fresh processes (so nothing is cached but the OS's file cache), broken down step by step.
//
// Modes, each run --runs times (default 7), medians reported:
//   express   import express, import the package (ESM), idwiseWebhooks(), listen, first request
//   node      the same with createNodeHandler() on node:http, no express
//   require   the node:http face through require() of the CommonJS build
//   split     express mode, but the package's run-time dependencies imported on their own first: how
//             much of the package's import is theirs. TypeBox and ajv are not among them: a build
//             writes the schemas out and compiles the validators ahead of time, and only ajv's
//             small string-length helper is loaded at run time
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AUTHORIZATION, PATH, deliveryBody, median } from './shared.mjs';

// What dist/ imports at run time (spec/package/run-time-imports.spec.ts holds TypeBox and ajv out of it).
const RUN_TIME_DEPENDENCIES = [
  'raw-body',
  'content-type',
  'basic-auth',
  'bytes',
  'lru-cache',
  'safe-stable-stringify',
  'ipaddr.js',
  'ajv/dist/runtime/ucs2length.js',
];

const child = process.env.BENCH_COLD_START_MODE;
if (child) await measure(child);
else await orchestrate();

async function orchestrate() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
  const runs = Number(values.runs);
  const self = fileURLToPath(import.meta.url);
  const modes = ['express', 'node', 'require', 'split'];
  const results = Object.fromEntries(modes.map((m) => [m, []]));
  // Interleaved, like the load bench, so that a busy moment on the machine does not land on one mode.
  for (let i = 0; i < runs; i++) {
    for (const mode of modes) {
      const out = execFileSync(process.execPath, [self], { env: { ...process.env, BENCH_COLD_START_MODE: mode } });
      results[mode].push(JSON.parse(out.toString()));
    }
  }
  console.log(`Cold start, median of ${runs} fresh processes per mode (ms):`);
  for (const mode of modes) {
    const steps = Object.keys(results[mode][0]);
    const row = steps.map((step) => `${step} ${median(results[mode].map((r) => r[step])).toFixed(1)}`);
    console.log(`  ${mode.padEnd(8)} ${row.join(' | ')}`);
  }
}

async function measure(mode) {
  const timings = { 'node boot': performance.now() };
  let last = performance.now();
  const step = (name) => {
    const now = performance.now();
    timings[name] = now - last;
    last = now;
  };
  const t0 = last;

  if (mode === 'split') {
    for (const dependency of RUN_TIME_DEPENDENCIES) await import(dependency);
    step('import dependencies');
  }
  let handler;
  if (mode === 'require') {
    const require = createRequire(import.meta.url);
    const pkg = require('../dist/cjs/index.js');
    step('require package');
    handler = pkg.createNodeHandler({ auth: { type: 'bearer', tokens: [AUTHORIZATION.slice(7)] } });
    handler.events.on('journeyCompleted', async () => {});
    step('createNodeHandler()');
  } else if (mode === 'node') {
    const pkg = await import('../dist/esm/index.js');
    step('import package');
    handler = pkg.createNodeHandler({ auth: { type: 'bearer', tokens: [AUTHORIZATION.slice(7)] } });
    handler.events.on('journeyCompleted', async () => {});
    step('createNodeHandler()');
  } else {
    const { default: express } = await import('express');
    step('import express');
    const pkg = await import('../dist/esm/index.js');
    step(mode === 'split' ? 'import package (rest)' : 'import package');
    const app = express();
    const webhooks = pkg.idwiseWebhooks({ auth: { type: 'bearer', tokens: [AUTHORIZATION.slice(7)] } });
    webhooks.events.on('journeyCompleted', async () => {});
    app.use(webhooks);
    handler = app;
    step('idwiseWebhooks()');
  }
  const { createServer } = await import('node:http');
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  step('listen');
  const post = (id) =>
    new Promise((resolve, reject) => {
      const body = deliveryBody(id);
      const req = request(
        {
          host: '127.0.0.1',
          port: server.address().port,
          path: PATH,
          method: 'POST',
          headers: { authorization: AUTHORIZATION, 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await post('cold-1');
  step('first request');
  timings['import → first answer'] = performance.now() - t0;
  last = performance.now();
  await post('cold-2');
  step('second request');
  server.close();
  process.stdout.write(JSON.stringify(timings));
}
