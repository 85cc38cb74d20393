/**
 * The fetch face on the other runtimes that install from the npm registry: Bun and Deno, each
 * serving it with its own server (serve-fetch.mjs) and delivering over real HTTP. `.ci/run` installs
 * both into .tmp/runtimes and sets RUNTIMES=required; elsewhere a missing runtime is skipped, saying so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../../lib/testing/index.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = resolve(repo, '.tmp/runtimes/node_modules/.bin');
const RUNTIMES = {
  bun: { binary: resolve(bin, 'bun'), args: [] as string[] },
  deno: { binary: resolve(bin, 'deno'), args: ['run', '--allow-all'] },
};
const install = 'npm install --no-save --prefix .tmp/runtimes bun deno';
const token = 'runtime-token';

for (const [name, { binary, args }] of Object.entries(RUNTIMES)) {
  const present = existsSync(binary);
  if (!present) {
    if (process.env.RUNTIMES === 'required') throw new Error(`${name} is required but missing at ${binary}: ${install}`);
    console.log(`[runtimes] ${name} skipped: not installed (${install})`);
  }

  describe.skipIf(!present)(`the fetch face on ${name}`, () => {
    let child: ChildProcess | undefined;
    let base = '';

    beforeAll(async () => {
      child = spawn(binary, [...args, resolve(import.meta.dirname, 'serve-fetch.mjs'), token], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
      const port = await new Promise<string>((ready, failed) => {
        child!.stdout!.on('data', (chunk: Buffer) => {
          output += chunk;
          const found = /ready (\d+)/.exec(output)?.[1];
          if (found) ready(found);
        });
        child!.once('exit', (code) => failed(new Error(`${name} exited with ${code}: ${output}`)));
      });
      base = `http://127.0.0.1:${port}`;
    }, 30_000);

    afterAll(() => void child?.kill());

    const post = async (body: string | ReadableStream<Uint8Array>, auth = `Bearer ${token}`) => {
      const res = await fetch(`${base}/webhooks/idwise`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
      return [res.status, await res.json()];
    };

    it('answers processed, then duplicate, 401 without the token, and runs the listener once', async () => {
      const event = buildEvent('Finished Journey');
      expect(await post(JSON.stringify(event))).toEqual([200, { status: 'processed' }]);
      expect(await post(JSON.stringify(event))).toEqual([200, { status: 'duplicate' }]);
      expect(await post(JSON.stringify(event), 'Bearer wrong')).toEqual([401, { error: 'unauthorized' }]);
      expect(await (await fetch(`${base}/heard`)).json()).toEqual([event.body.eventId]);
    });

    it('refuses a streamed body over limit with 413 and a malformed one with 400, and serves on', async () => {
      // Chunked, with no Content-Length: only counting while reading can stop it.
      const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull: (controller) => (++sent > 5 ? controller.close() : controller.enqueue(chunk)),
      });
      expect(await post(stream)).toEqual([413, { error: 'payload_too_large' }]);
      expect(await post('{"event":')).toEqual([400, { error: 'invalid_json' }]);
      // Still serving: the unread rest of the refused body did not take the process down.
      expect(await post(JSON.stringify(buildEvent('Finished Journey')))).toEqual([200, { status: 'processed' }]);
    });
  });
}
