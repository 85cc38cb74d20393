/** Every example runs with its one command, as the README says, and ends as it claims. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const run = (args: string[]) => promisify(execFile)(process.execPath, args, { cwd: repo, encoding: 'utf8' });
const read = (file: string) => readFileSync(resolve(repo, file), 'utf8');

/** Whether every line of `excerpt` is a line of `file`, in the same order: lines may be left out, none changed. */
function isExcerpt(excerpt: string, file: string): boolean {
  const lines = file.split('\n');
  let at = 0;
  for (const line of excerpt.trimEnd().split('\n')) {
    at = lines.indexOf(line, at) + 1;
    if (at === 0) return false;
  }
  return true;
}

describe('the examples', () => {
  it('npm run demo shows a processed event, a duplicate, a failed listener retried, and refusals', async () => {
    const { stdout } = await run(['examples/basic/demo.mjs']);
    expect(stdout).toContain('-> 200 {"status":"duplicate"}');
    expect(stdout).toContain('-> 500 {"error":"handler_failed"}');
    expect(stdout).toContain('-> 401 {"error":"unauthorized"}');
    expect(stdout).toContain('Demo finished: every answer was as expected.');
  }, 30_000);

  for (const [store, url, args] of [
    ['Redis', process.env.REDIS_URL, []],
    ['PostgreSQL', process.env.DATABASE_URL, ['--postgres']],
  ] as const) {
    it.skipIf(!url)(
      `multi-instance on ${store} processes each event in exactly one of two processes`,
      async () => {
        const { stdout } = await run(['examples/multi-instance/run.mjs', ...args]);
        expect(stdout.match(/200 \{"status":"processed"\}/g)).toHaveLength(3);
        expect(stdout).toContain('Each event was processed by exactly one instance');
      },
      30_000,
    );
  }

  it('opentelemetry/run.mjs prints a span per delivery, its store calls beneath it, and the failed listener as an error', async () => {
    const { stdout } = await run(['examples/opentelemetry/run.mjs']);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('idwise-webhooks delivery'))).toHaveLength(4);
    expect(lines.filter((line) => line.startsWith('  └ idwise-webhooks store '))).toHaveLength(5);
    expect(stdout).toMatch(/^idwise-webhooks delivery \[ERROR handler_failed\]: http\.response\.status_code=500 /m);
    expect(stdout).toMatch(/^ {2}└ idwise-webhooks store release: .*idwise\.store\.outcome=ok$/m);
    expect(lines.at(-1)).toBe('idwise-webhooks delivery: http.response.status_code=401 idwise.outcome=unauthorized');
  }, 30_000);

  it.skipIf(!process.env.REDIS_URL)(
    'queue hands the event to a durable queue, and a second worker finishes the job the first died in',
    async () => {
      const { stdout } = await run(['examples/queue/run.mjs']);
      expect(stdout).toMatch(/IDWise got 200 \{"status":"processed"\}/);
      expect(stdout).toContain('crashing mid-job');
      expect(stdout).toContain('was completed by the second worker: nothing was lost.');
    },
    40_000,
  );
});

describe('docs/monitoring.md', () => {
  it("shows the monitoring examples' code as their files have it, line for line", () => {
    const blocks = [...read('docs/monitoring.md').matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    const files = ['examples/prometheus/metrics.mjs', 'examples/opentelemetry/tracing.mjs'];
    expect(blocks).toHaveLength(files.length);
    blocks.forEach((block, i) => expect(isExcerpt(block, read(files[i]!)), files[i]).toBe(true));
  });
});
