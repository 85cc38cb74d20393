/**
 * The README's quick start runs as written: its code block is examples/quick-start/server.mjs
 * to the letter, and that server, started as the README says, answers the README's curl command.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const readme = readFileSync(resolve(repo, 'README.md'), 'utf8');
const blocks = (lang: string) =>
  [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

describe('the README quick start', () => {
  it('is examples/quick-start/server.mjs, to the letter', () => {
    expect(blocks('js')[0]).toBe(readFileSync(resolve(repo, 'examples/quick-start/server.mjs'), 'utf8'));
  });

  it("starts as the README says and answers the README's curl with 200 processed, then duplicate", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const server = spawn(process.execPath, ['examples/quick-start/server.mjs'], {
      cwd: repo,
      env: { ...process.env, IDWISE_WEBHOOK_TOKEN: 'dev-token', PORT: port },
    });
    try {
      let output = '';
      await new Promise<void>((ready, failed) => {
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk;
          if (output.includes('ready on')) ready();
        });
        server.once('exit', (code) => failed(new Error(`server exited with ${code}: ${output}`)));
      });
      const curl = blocks('sh')
        .find((block) => block.startsWith('curl'))!
        .replaceAll('localhost:3000', `127.0.0.1:${port}`);
      const run = () =>
        execFileSync('bash', ['-c', curl.replace('curl -i', 'curl -s -w " %{http_code}"')], { encoding: 'utf8' });
      expect(run()).toBe('{"status":"processed"} 200');
      expect(run()).toBe('{"status":"duplicate"} 200');
      await expect.poll(() => output).toContain('journey 65f1c0ffee00000000000001 finished: Complete (a1b2)');
    } finally {
      server.kill();
    }
  }, 30_000);
});
