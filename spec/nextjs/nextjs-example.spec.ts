/**
 * examples/nextjs as a Next.js user runs it: `next build`, then `next start` on a free port, and
 * deliveries over real HTTP to its App Router route handler, app/api/webhooks/idwise/route.ts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';

const repo = resolve(import.meta.dirname, '../..');
const example = resolve(repo, 'examples/nextjs');
const next = resolve(repo, 'node_modules/next/dist/bin/next');
const token = 'nextjs-token';
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', IDWISE_WEBHOOK_TOKEN: token };
let server: ChildProcess | undefined;
let output = '';
let url = '';

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((ready) => probe.once('listening', ready));
  const { port } = probe.address() as { port: number };
  await new Promise((closed) => probe.close(closed));
  return port;
}

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [next, 'build'], { cwd: example, env, maxBuffer: 16 * 1024 * 1024 });
  const port = await freePort();
  server = spawn(process.execPath, [next, 'start', '--port', String(port), '--hostname', '127.0.0.1'], {
    cwd: example,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  server.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  url = `http://127.0.0.1:${port}/api/webhooks/idwise`;
  // Ready once it answers; a 401 to an empty request says the route is up.
  for (let tries = 0; ; tries++) {
    const status = await fetch(url, { method: 'POST' }).then((res) => res.status, () => 0);
    if (status === 401) break;
    if (tries > 150) throw new Error(`next start did not answer: ${output}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}, 240_000);

afterAll(() => void server?.kill());

const post = async (payload: unknown, auth = `Bearer ${token}`) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return [res.status, await res.json()];
};

it('answers processed, then duplicate, and 401 without the token; the listener ran once', async () => {
  const event = buildEvent('Finished Journey');

  expect(await post(event)).toEqual([200, { status: 'processed' }]);
  expect(await post(event)).toEqual([200, { status: 'duplicate' }]);
  expect(await post(buildEvent('Finished Journey'), 'Bearer wrong')).toEqual([401, { error: 'unauthorized' }]);
  expect(output.match(/finished: /g)).toHaveLength(1);
  expect(output).toContain(`journey ${event.body.journeyId} finished`);
});

it('refuses a body over the limit with 413 and a malformed one with 400', async () => {
  const event = buildEvent('Finished Journey', { body: { referenceNo: 'x'.repeat(70 * 1024) } });
  expect(await post(event)).toEqual([413, { error: 'payload_too_large' }]);
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"event":',
  });
  expect([res.status, await res.json()]).toEqual([400, { error: 'invalid_json' }]);
});
