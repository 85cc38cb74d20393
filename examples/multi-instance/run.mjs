// `node examples/multi-instance/run.mjs [--postgres]`: starts two instances of server.mjs on one
// shared store, sends each event to both at the same moment (as a load balancer might route
// IDWise's retries), and shows that each event is handled once, by one instance.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { buildEvent } from 'idwise-webhooks/testing';

const postgres = process.argv.includes('--postgres');
const run = randomUUID().slice(0, 8);
const env = {
  ...process.env,
  IDWISE_WEBHOOK_TOKEN: 'dev-token',
  STORE: postgres ? 'postgres' : 'redis',
  DEDUPE_PREFIX: `idwise:example:${run}:`,
  DEDUPE_TABLE: 'idwise_dedupe_example',
};

function start(instance) {
  const child = spawn(process.execPath, [new URL('./server.mjs', import.meta.url).pathname], {
    env: { ...env, INSTANCE: instance, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.setEncoding('utf8').on('data', (text) => process.stdout.write(text));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (text) => {
      const port = /ready on port (\d+)/.exec(text)?.[1];
      if (port) resolve({ child, url: `http://127.0.0.1:${port}/webhooks/idwise` });
    });
    child.once('exit', (code) => reject(new Error(`instance ${instance} exited with ${code}`)));
  });
}

const instances = await Promise.all([start('A'), start('B')]);
console.log(`Two instances on ${postgres ? 'PostgreSQL' : 'Redis'}. Each event goes to both at once:`);

let handledOnce = true;
for (let i = 1; i <= 3; i++) {
  const payload = buildEvent('Finished Journey');
  const answers = await Promise.all(
    instances.map(async ({ url }) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: 'Bearer dev-token', 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      return `${response.status} ${await response.text()}`;
    }),
  );
  console.log(`event ${i}: A -> ${answers[0]}   B -> ${answers[1]}`);
  handledOnce &&= answers.filter((a) => a.includes('processed')).length === 1;
}

for (const { child } of instances) child.kill('SIGTERM');
console.log(handledOnce ? 'Each event was processed by exactly one instance; the other got 409 (in flight) or 200 duplicate.' : 'Unexpected: an event was processed twice.');
process.exitCode = handledOnce ? 0 : 1;
