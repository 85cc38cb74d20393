/** Every example runs with its one command, as the README says, and ends as it claims. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const run = (args: string[]) => promisify(execFile)(process.execPath, args, { cwd: repo, encoding: 'utf8' });

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
