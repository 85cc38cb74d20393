/**
 * The framework examples run as a user would run them (`node examples/<name>/server.mjs`, importing
 * the package by its name) and answer deliveries over real HTTP as the README says.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';

const repo = resolve(import.meta.dirname, '../..');
const token = 'examples-token';
const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) child.kill();
});

/** Starts an example on a free port; resolves with its webhook URL and its output so far. */
async function start(example: string): Promise<{ url: string; output: () => string }> {
  const child = spawn(process.execPath, [`examples/${example}/server.mjs`], {
    cwd: repo,
    env: { ...process.env, IDWISE_WEBHOOK_TOKEN: token, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const url = await new Promise<string>((ready, failed) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const found = /ready on (http:\/\/\S+\/webhooks\/idwise)/.exec(output)?.[1];
      if (found) ready(found);
    });
    child.once('exit', (code) => failed(new Error(`${example}/server.mjs exited with ${code}: ${output}`)));
  });
  return { url, output: () => output };
}

const post = async (url: string, payload: unknown, auth = `Bearer ${token}`) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return [res.status, await res.json()];
};

describe.each(['fastify', 'hono'])('examples/%s', (example) => {
  it('answers processed, then duplicate, and 401 without the token; the listener ran once', async () => {
    const { url, output } = await start(example);
    const event = buildEvent('Finished Journey');

    expect(await post(url, event)).toEqual([200, { status: 'processed' }]);
    expect(await post(url, event)).toEqual([200, { status: 'duplicate' }]);
    expect(await post(url, buildEvent('Finished Journey'), 'Bearer wrong')).toEqual([401, { error: 'unauthorized' }]);
    expect(output().match(/finished: /g)).toHaveLength(1);
    expect(output()).toContain(`journey ${event.body.journeyId} finished`);
  }, 20_000);
});

it("examples/fastify leaves the app's own JSON parser as it was", async () => {
  const { url } = await start('fastify');
  const res = await fetch(new URL('/api/echo', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hello: 'world' }),
  });
  expect(await res.json()).toEqual({ youSent: { hello: 'world' } });
}, 20_000);
