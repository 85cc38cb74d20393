// `npm test`: runs vitest, then prints the plain `N passed, N failed, N skipped` line CI reads.
//
// Redis and PostgreSQL suites read REDIS_URL and DATABASE_URL. When a variable is unset, the
// machine's default address is probed; a service that does not answer is skipped, and that is
// said once here. When a variable IS set (as .ci/run does), an unreachable service is a failure.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';

const services = [
  { env: 'REDIS_URL', fallback: 'redis://127.0.0.1:6379', name: 'Redis' },
  { env: 'DATABASE_URL', fallback: 'postgres://postgres@127.0.0.1:5432/test', name: 'PostgreSQL' },
];

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

const env = { ...process.env };
const skipped = [];
for (const service of services) {
  const explicit = process.env[service.env];
  const url = explicit || service.fallback;
  if (await reachable(url)) {
    env[service.env] = url;
  } else if (explicit) {
    console.error(`${service.name} is not reachable at ${service.env}=${url}; it was set, so this is a failure.`);
    process.exit(1);
  } else {
    delete env[service.env];
    skipped.push(`${service.name} (start it, or set ${service.env}, e.g. ${service.env}=${service.fallback})`);
  }
}
if (skipped.length) console.log(`Skipping the suites that need: ${skipped.join('; ')}.`);

const report = '.vitest-report.json';
rmSync(report, { force: true });
const args = ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync(process.execPath, args, { stdio: 'inherit', env });

let passed = 0;
let failed = 0;
let pending = 0;
try {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests;
  pending = result.numPendingTests + (result.numTodoTests ?? 0);
  // A file that failed to load, or whose beforeAll failed (its tests then count as skipped), is a
  // failure too, though no test in it failed.
  failed += result.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
} catch {
  failed += 1;
  console.error('vitest wrote no JSON report; counting the run as failed.');
}
// vitest's exit code is the last word: a failure it saw and the report did not show still counts.
if (run.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed, ${pending} skipped`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
