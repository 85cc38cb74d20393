/**
 * The CLI as users run it: the built binary (`npm test` builds first), in its own process, against
 * a real server mounting the built package on an ephemeral port.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_EVENTS } from '../../lib/payload/events.js';
import type { IdwisePayload, IdwiseWebhooksOptions, IdwiseWebhooksRouter } from '../../lib/index.js';
import { quiet } from '../support/fixtures.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/idwise-webhooks.js');
const TOKEN = 'cli-spec-t0ken';
const PASSWORD = 'cli-spec-passw0rd';
const SECRET = 'cli-spec-s3cret';
/** A delivery with this referenceNo is handled this slowly, so deliveries sent at once all find it in flight. */
const SLOW = { referenceNo: 'slow', ms: 1500 };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repo });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let server: Server;
let base: string;
let url: string;
/** Two instances of one app, each its own server, sharing one dedupe store, as behind a load balancer. */
const instances: { server: Server; url: string }[] = [];
let scratch: string;
const routers: IdwiseWebhooksRouter[] = [];
const received: IdwisePayload[] = [];

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/esm/cli/main.js'))) {
    throw new Error('The CLI is not built: run `npm run build` first (`npm test` does).');
  }
  const built = pathToFileURL(join(repo, 'dist/esm/index.js')).href;
  const { idwiseWebhooks, MemoryDedupeStore } = (await import(built)) as typeof import('../../lib/index.js');
  const logger = quiet;
  const mount = (app: express.Express, options: IdwiseWebhooksOptions) => {
    const webhooks = idwiseWebhooks({ ...options, logger });
    webhooks.events.on('webhook', async (payload) => {
      received.push(payload);
      if (payload.body.referenceNo === SLOW.referenceNo) await new Promise((done) => setTimeout(done, SLOW.ms));
    });
    app.use(webhooks);
    routers.push(webhooks);
  };
  const app = express();
  for (const options of [
    { auth: { type: 'bearer', tokens: [TOKEN] } },
    { auth: { type: 'basic', credentials: [{ username: 'idwise', password: PASSWORD }] }, path: '/basic' },
    { auth: { type: 'header', name: 'x-idwise-secret', values: [SECRET] }, path: '/header' },
  ] satisfies IdwiseWebhooksOptions[]) {
    mount(app, options);
  }
  ({ server, base } = await listen(app));
  url = `${base}/webhooks/idwise`;
  const store = new MemoryDedupeStore();
  for (let i = 0; i < 2; i++) {
    const instance = express();
    mount(instance, { auth: { type: 'bearer', tokens: [TOKEN] }, store });
    const { server, base } = await listen(instance);
    instances.push({ server, url: `${base}/webhooks/idwise` });
  }
  scratch = mkdtempSync(join(tmpdir(), 'idwise-webhooks-cli-'));
});

afterAll(async () => {
  await Promise.all(routers.map((router) => router.close()));
  await Promise.all(
    [server, ...instances.map((instance) => instance.server)].map(
      (each) => new Promise((done) => (each ? each.close(done) : done(undefined))),
    ),
  );
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const lastReceived = () => received.at(-1)!;
const linesOf = (text: string) => text.trim().split('\n');

describe('idwise-webhooks send', () => {
  it('sends a valid sample of the event with the bearer token, prints 200 processed and exits 0', async () => {
    const run = await cli('send', url, '--event', 'Finished Journey', '--bearer', TOKEN);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/idwise: "Finished Journey" \(eventId [0-9a-f-]{36}\), once\n/,
    );
    expect(run.stdout).toContain('#1  200  {"status":"processed"}');
    expect(lastReceived()).toMatchObject({ event: 'Finished Journey', body: { systemDecision: 'Complete' } });
  });

  it('sends the same eventId each time with --times 2, so the second answer is 200 duplicate', async () => {
    const before = received.length;
    const run = await cli('send', url, '--event', 'Finished Journey', '--bearer', TOKEN, '--times', '2');
    expect(run.code).toBe(0);
    expect(linesOf(run.stdout).slice(1)).toEqual([
      '#1  200  {"status":"processed"}',
      '#2  200  {"status":"duplicate"}',
    ]);
    expect(received.length).toBe(before + 1);
  });

  it('exits 1 on a wrong token, shows the 401 with a hint, and prints neither token', async () => {
    const run = await cli('send', url, '--event', 'Finished Journey', '--bearer', 'wrong-t0ken');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('#1  401  {"error":"unauthorized"}');
    expect(run.stderr).toMatch(/The answer was not 200[^\n]*\n {2}401: [^\n]*--bearer/);
    expect(run.stdout + run.stderr).not.toContain('wrong-t0ken');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it.each([
    ['--bearer', '/webhooks/idwise', ['--bearer', 'wrong-s3cret']],
    ['--basic', '/basic', ['--basic', 'idwise:wrong-s3cret']],
    ['--header', '/header', ['--header', 'x-idwise-secret:wrong-s3cret']],
  ])(
    'on a 401 after %s, says the credentials do not match the server, not to add them, and never prints them',
    async (flag, path, credential) => {
      const run = await cli('send', `${base}${path}`, '--event', 'Finished Journey', ...credential);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `401: the endpoint refused the credentials given with ${flag}: they do not match what its auth option is configured with.`,
      );
      expect(run.stderr).not.toContain('add --bearer');
      expect(run.stdout + run.stderr).not.toMatch(/s3cret/);
    },
  );

  it('on a 401 without credentials, hints to add the ones the endpoint wants', async () => {
    const run = await cli('send', url, '--event', 'Finished Journey');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('401: the endpoint wants the credentials its auth option names: add --bearer');
  });

  it('with --concurrent --times 3, handles the event once, answers the others 409 or duplicate, and exits 1', async () => {
    const before = received.length;
    const run = await cli(
      'send',
      url,
      '--event',
      'Finished Journey',
      '--bearer',
      TOKEN,
      '--times',
      '3',
      '--concurrent',
      '--set',
      `body.referenceNo=${SLOW.referenceNo}`,
    );
    expect(run.code).toBe(1);
    const answers = linesOf(run.stdout).slice(1);
    expect(answers).toHaveLength(3);
    expect(answers.filter((line) => line.includes('200  {"status":"processed"}'))).toHaveLength(1);
    const others = answers.filter((line) => !line.includes('processed'));
    for (const line of others)
      expect(line).toMatch(
        / 409 {2}\{"error":"in_flight"\} {2}\(Retry-After: \d+\)$| 200 {2}\{"status":"duplicate"\}$/,
      );
    expect(answers.some((line) => line.includes(' 409 '))).toBe(true);
    expect(run.stderr).toMatch(/^[12] of 3 answers were not 200/);
    expect(run.stderr).toContain('409: the same eventId was still being handled');
    expect(received.length).toBe(before + 1);
  });

  it('sends Basic credentials with --basic user:pass', async () => {
    const run = await cli('send', `${base}/basic`, '--event', 'Manually Reviewed', '--basic', `idwise:${PASSWORD}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('200  {"status":"processed"}');
    expect(run.stdout).not.toContain(PASSWORD);
  });

  it('sends a custom header with --header name:value', async () => {
    const run = await cli(
      'send',
      `${base}/header`,
      '--event',
      'Finished Step',
      '--header',
      `X-IDWise-Secret: ${SECRET}`,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(SECRET);
  });

  it('sends the same payload to every URL at once with --concurrent: one instance processes it, the other answers 409 or duplicate, each line naming its URL', async () => {
    const before = received.length;
    const [a, b] = instances.map((instance) => instance.url) as [string, string];
    const run = await cli(
      'send', a, b, '--event', 'Finished Journey', '--bearer', TOKEN, '--concurrent',
      '--set', `body.referenceNo=${SLOW.referenceNo}`,
    ); // prettier-ignore
    expect(run.code).toBe(1);
    const [plan, ...answers] = linesOf(run.stdout);
    expect(plan).toMatch(
      new RegExp(`^POST ${a} and ${b}: "Finished Journey" \\(eventId [0-9a-f-]{36}\\), once to each, all at once$`),
    );
    expect(answers.map((line) => line.split('  ')[1]).sort()).toEqual([a, b].sort());
    expect(answers.filter((line) => line.endsWith('  200  {"status":"processed"}'))).toHaveLength(1);
    expect(
      answers.filter((line) =>
        / {2}(409 {2}\{"error":"in_flight"\} {2}\(Retry-After: \d+\)|200 {2}\{"status":"duplicate"\})$/.test(line),
      ),
    ).toHaveLength(1);
    expect(received.length).toBe(before + 1);
  });

  it('sends to several URLs one after another without --concurrent, so the second instance answers 200 duplicate and the exit is 0', async () => {
    const [a, b] = instances.map((instance) => instance.url) as [string, string];
    const run = await cli('send', a, b, '--event', 'Finished Journey', '--bearer', TOKEN, '--times', '2');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(', 2 times to each, one after another\n');
    expect(linesOf(run.stdout).slice(1)).toEqual([
      `#1  ${a}  200  {"status":"processed"}`,
      `#2  ${b}  200  {"status":"duplicate"}`,
      `#3  ${a}  200  {"status":"duplicate"}`,
      `#4  ${b}  200  {"status":"duplicate"}`,
    ]);
  });

  it('prints the payload as JSON with --print, edits applied, sends nothing and exits 0 without a URL', async () => {
    const before = received.length;
    const run = await cli('send', '--event', 'Finished Journey', '--set', 'body.systemDecision=Refer', '--print');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const payload = JSON.parse(run.stdout) as IdwisePayload;
    expect(payload).toMatchObject({ event: 'Finished Journey', body: { systemDecision: 'Refer' } });
    expect(payload.body.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(received.length).toBe(before);
  });

  it('sends nothing with --print even when a URL is given', async () => {
    const before = received.length;
    const run = await cli('send', url, '--event', 'Finished Journey', '--bearer', TOKEN, '--print');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ event: 'Finished Journey' });
    expect(run.stdout).not.toContain(TOKEN);
    expect(received.length).toBe(before);
  });

  it('changes fields with --set, reading JSON values as JSON and anything else as text, and removes them with --unset', async () => {
    const run = await cli(
      'send', url, '--event', 'AML Monitor Update', '--bearer', TOKEN,
      '--set', 'body.systemDecision=Refer', '--set', 'body.updatedAMLVersionNumber=7',
      '--set', 'body.manualDecision=null', '--set', 'body.referenceNo=007', '--set', 'body.extra={"nested":true}',
      '--unset', 'body.previousSystemDecision',
    ); // prettier-ignore
    expect(run.code).toBe(0);
    const { body } = lastReceived() as { body: Record<string, unknown> };
    expect(body).toMatchObject({
      systemDecision: 'Refer',
      updatedAMLVersionNumber: 7,
      manualDecision: null,
      referenceNo: '007',
      extra: { nested: true },
    });
    expect(body).not.toHaveProperty('previousSystemDecision');
  });

  it('sends an old-style payload without eventId, deduplicated by its hash', async () => {
    const run = await cli('send', url, '--event', 'Step Submitted', '--bearer', TOKEN, '--times', '2');
    expect(run.stdout).toContain('"Step Submitted" (no eventId), 2 times, one after another');
    expect(linesOf(run.stdout).slice(1)).toEqual([
      '#1  200  {"status":"processed"}',
      '#2  200  {"status":"duplicate"}',
    ]);
  });

  it('sends a payload from --file, changed by --set', async () => {
    const file = join(scratch, 'payload.json');
    writeFileSync(
      file,
      JSON.stringify({ event: 'Some New Event', body: { eventId: 'file-event-1', anything: [1, 2] } }),
    );
    const run = await cli('send', url, '--file', file, '--set', 'body.anything.1=3', '--bearer', TOKEN);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"Some New Event" (eventId file-event-1), once');
    expect(lastReceived()).toEqual({ event: 'Some New Event', body: { eventId: 'file-event-1', anything: [1, 3] } });
  });

  it('exits 1 with the server answer and a hint for a refused payload', async () => {
    const run = await cli('send', url, '--event', 'Finished Journey', '--bearer', TOKEN, '--set', 'body.journeyId=5');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '400  {"error":"invalid_payload","details":[{"path":"/body/journeyId","message":"must be string"}]}',
    );
  });

  it('exits 1 with a hint when nothing listens at the URL', async () => {
    const closed = express().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));
    const run = await cli('send', `http://127.0.0.1:${port}/webhooks/idwise`, '--event', 'Finished Journey');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('#1  no answer: ECONNREFUSED');
    expect(run.stderr).toContain('is the server running');
  });

  it('hints at the path when the endpoint answers 404', async () => {
    const run = await cli('send', `${base}/wrong/path`, '--event', 'Finished Journey', '--bearer', TOKEN);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('404: nothing answers at this path; idwiseWebhooks() listens on /webhooks/idwise');
  });
});

describe('idwise-webhooks events', () => {
  it('lists every IDWise event with the emitter events it fires and a sample payload', async () => {
    const run = await cli('events');
    expect(run.code).toBe(0);
    for (const [name, { emits }] of Object.entries(KNOWN_EVENTS)) {
      expect(run.stdout).toMatch(new RegExp(`^${name} +${emits}, webhook$`, 'm'));
      expect(run.stdout).toContain(`sample: {"event":"${name}","body":{`);
    }
    expect(run.stdout).toContain('with body.action "Manual Review": manualReview, journeyUpdated, webhook');
    expect(run.stdout).toContain('Any other event string fires unknownEvent, webhook');
  });

  it('prints the same table as JSON with --json', async () => {
    const run = await cli('events', '--json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { event: string; emits: string[]; when: unknown[]; sample: IdwisePayload }[];
    expect(rows.map((row) => row.event)).toEqual(Object.keys(KNOWN_EVENTS));
    expect(rows.find((row) => row.event === 'Updated Journey')).toMatchObject({
      emits: ['journeyUpdated', 'webhook'],
      when: [{ field: 'body.action', equals: 'Manual Review', emits: ['manualReview', 'journeyUpdated', 'webhook'] }],
    });
    for (const row of rows) expect(row.sample.event).toBe(row.event);
  });
});

describe('idwise-webhooks usage', () => {
  it.each([['--help'], ['help'], ['-h']])('prints the commands and exit codes for %s and exits 0', async (flag) => {
    const run = await cli(flag);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('idwise-webhooks send <url>... --event <name> [flags]');
    expect(run.stdout).toContain('Exit codes');
  });

  it('prints the same help to stdout and exits 0 when run without a command', async () => {
    const [bare, help] = await Promise.all([cli(), cli('help')]);
    expect(bare).toEqual({ code: 0, stdout: help.stdout, stderr: '' });
  });

  it.each([
    ['help', 'send'],
    ['send', '--help'],
  ])('prints every send flag for "%s %s"', async (...args) => {
    const run = await cli(...args);
    expect(run.code).toBe(0);
    for (const flag of [
      '--event',
      '--file',
      '--set',
      '--unset',
      '--bearer',
      '--basic',
      '--header',
      '--times',
      '--concurrent',
      '--print',
      'send <url>...',
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });

  it.each<[string, string[], RegExp, RegExp]>([
    [
      'an unknown flag',
      ['send', 'URL', '--event', 'Finished Journey', '--bearr', 'x'],
      /unknown flag --bearr for "send"\. Did you mean --bearer\?/,
      /Fix: --bearer /,
    ],
    [
      'a missing URL',
      ['send', '--event', 'Finished Journey'],
      /send needs the URL of your webhook endpoint/,
      /Fix: idwise-webhooks send http:\/\/localhost:3000\/webhooks\/idwise --event "Finished Journey"/,
    ],
    [
      'a URL without a scheme',
      ['send', 'localhost:3000/webhooks/idwise', '--event', 'Finished Journey'],
      /must be absolute and start with http:\/\//,
      /Fix: /,
    ],
    [
      'a missing payload',
      ['send', 'URL'],
      /send needs a payload: --event <name> builds one, --file <path> reads one/,
      /Fix: /,
    ],
    [
      'a header value with a line break, without echoing it',
      ['send', 'URL', '--event', 'Finished Journey', '--header', 'x-idwise-secret:TOPSECRET\nline2'],
      /--header values cannot contain line breaks or NUL characters\.(?![\s\S]*TOPSECRET)/,
      /Fix: /,
    ],
    [
      'a flag without its value',
      ['send', 'URL', '--event'],
      /--event needs a value/,
      /Fix: --event "Finished Journey"/,
    ],
    [
      'a flag followed by another flag',
      ['send', 'URL', '--event', '--times', '2'],
      /--event needs a value, but the word after it starts with "-"/,
      /Fix: --event "Finished Journey"/,
    ],
    [
      'a misspelt event',
      ['send', 'URL', '--event', 'Finished Jorney'],
      /unknown event "Finished Jorney"\. Did you mean "Finished Journey"\?/,
      /Fix: --event "Finished Journey"/,
    ],
    [
      'an unquoted event name',
      ['send', 'URL', '--event', 'Finished', 'Journey'],
      /"Finished Journey" needs quotes/,
      /Fix: --event "Finished Journey"/,
    ],
    [
      '--times 0',
      ['send', 'URL', '--event', 'Finished Journey', '--times', '0'],
      /--times must be a whole number from 1 to 1000, got "0"/,
      /Fix: --times 3/,
    ],
    [
      '--event with --file',
      ['send', 'URL', '--event', 'Finished Journey', '--file', 'x.json'],
      /give one of them/,
      /Fix: /,
    ],
    [
      'a --set without =',
      ['send', 'URL', '--event', 'Finished Journey', '--set', 'body.systemDecision'],
      /--set needs path=value/,
      /Fix: --set body\.systemDecision=Refer/,
    ],
    [
      'a missing --file',
      ['send', 'URL', '--file', 'no-such-file.json'],
      /--file: cannot read "no-such-file\.json" \(ENOENT\)/,
      /Fix: /,
    ],
    ['a misspelt command', ['sned'], /unknown command "sned"\. Did you mean send\?/, /Fix: idwise-webhooks send/],
    [
      'a word that is not a URL among several',
      ['send', 'URL', 'URL2', 'stray', '--event', 'Finished Journey'],
      /send takes URLs, but 1 of the 3 words that belong to no flag is not an http\(s\) URL/,
      /Fix: idwise-webhooks send http:\/\/localhost:3000\/webhooks\/idwise/,
    ],
    [
      'the same URL twice',
      ['send', 'URL', 'URL', '--event', 'Finished Journey'],
      /http:\/\/127\.0\.0\.1:\d+\/webhooks\/idwise is given twice/,
      /Fix: idwise-webhooks send http:\/\/127\.0\.0\.1:\d+\/webhooks\/idwise --event "Finished Journey" --times 2/,
    ],
    [
      'an unknown flag of events',
      ['events', '--jsn'],
      /unknown flag --jsn for "events"\. Did you mean --json\?/,
      /Fix: idwise-webhooks events --json/,
    ],
  ])('answers %s with what was wrong and the fix, exit 2', async (_, args, problem, fix) => {
    const run = await cli(...args.map((arg) => (arg === 'URL' ? url : arg === 'URL2' ? `${base}/basic` : arg)));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(problem);
    expect(run.stderr).toMatch(fix);
  });

  it.each([
    ['--token', '--bearer'],
    ['--auth', '--bearer'],
    ['--tokn', '--bearer'],
    ['--user', '--basic'],
    ['--password', '--basic'],
    ['-u', '--basic'],
    ['-H', '--header'],
    ['--json', '--file'],
    ['--payload', '--file'],
    ['--count', '--times'],
    ['--repeat', '--times'],
    ['--parallel', '--concurrent'],
    ['--dry-run', '--print'],
  ])('suggests the flag a user means by a word it does not take: %s finds %s', async (word, flag) => {
    const run = await cli('send', url, '--event', 'Finished Journey', word, 'x');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`unknown flag ${word} for "send". Did you mean ${flag}?`);
    expect(run.stderr).toMatch(new RegExp(`Fix: .*${flag}\\b`));
  });

  it('names every flag when an unknown one is near none of them', async () => {
    const run = await cli('send', url, '--event', 'Finished Journey', '--xyzzy');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown flag --xyzzy for "send". Its flags are: --event, --file,');
  });

  it.each([
    ['--token with its value inline', ['--token=inline-s3cret']],
    ['--basic without a colon', ['--basic', 'nocolon-s3cret']],
    ['--bearer with a newline', ['--bearer', 'line-s3cret\n']],
    ['--bearer with --basic', ['--bearer', 'a-s3cret', '--basic', 'u:b-s3cret']],
    ['a token where the URL goes', ['stray-s3cret']],
    ['a misspelt credential flag', ['--bearr=inline-s3cret']],
  ])('never repeats a credential in a usage error: %s', async (_, args) => {
    const run = await cli('send', url, '--event', 'Finished Journey', ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/s3cret/);
  });
});
