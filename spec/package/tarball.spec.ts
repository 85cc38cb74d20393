/**
 * The package as users get it: `npm pack`, installed from the tarball into a scratch project
 * outside this repo (so nothing resolves from our own node_modules), then imported from ESM,
 * required from CommonJS and type-checked from TypeScript, each answering a real delivery on
 * Express 4 and Express 5. The TypeScript user is also checked with TypeScript 7 and the latest
 * @types/node, installed (and kept in .tmp) as the type matrix's are: spec/support/toolchains.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npm, pack, repo, skipWhenOffline, toolchains, tsc, type Toolchain } from '../support/toolchains.js';

const node = (file: string, cwd: string) => execFileSync(process.execPath, [file], { cwd, encoding: 'utf8' });

// One script, written once per module system: mount on the given express, send one delivery, print the answer.
const program = (load: string, expressName: string) => `${load}
const app = express();
const webhooks = idwiseWebhooks({ auth: { type: 'bearer', tokens: ['t0ken'] }, logger: { debug() {}, info() {}, warn() {}, error() {} } });
let heard = '';
webhooks.events.on('journeyCompleted', (payload) => { heard = payload.body.journeyId; });
app.use(webhooks);
const server = app.listen(0, '127.0.0.1', async () => {
  const payload = buildEvent('Finished Journey');
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/webhooks/idwise', {
    method: 'POST', headers: { authorization: 'Bearer t0ken', 'content-type': 'application/json' }, body: JSON.stringify(payload),
  });
  console.log(JSON.stringify({ express: '${expressName}', status: res.status, body: await res.json(), heard: heard === payload.body.journeyId }));
  server.close();
});
`;

// Built with tsc, then run: it answers one delivery on each Express major.
const TYPESCRIPT_USER = `import express from 'express';
import express4 from 'express4';
import { idwiseWebhooks, type FinishedJourneyPayload, type IdwiseWebhooksRouter } from 'idwise-webhooks';
import { buildEvent, deliver, type DeliverTarget } from 'idwise-webhooks/testing';

const auth = { type: 'bearer', tokens: ['t'] } as const;

function makeWebhooks(): { webhooks: IdwiseWebhooksRouter; heard: () => string } {
  const webhooks = idwiseWebhooks({ auth, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  let heard = '';
  webhooks.events.on('journeyCompleted', async (payload: FinishedJourneyPayload, ctx) => {
    ctx.signal.throwIfAborted();
    heard = payload.body.journeyId;
  });
  webhooks.events.on('amlUpdate', (payload) => {
    const version: number | undefined = payload.body.updatedAMLVersionNumber;
    void version;
  });
  // @ts-expect-error: a misspelt event name is a type error
  webhooks.events.on('journeyComplete', () => {});
  return { webhooks, heard: () => heard };
}

async function check(name: string, app: DeliverTarget, heard: () => string) {
  const payload = buildEvent('Finished Journey');
  const answer = await deliver(app, payload, { auth });
  return { express: name, status: answer.status, body: answer.body, heard: heard() === payload.body.journeyId };
}

const five = makeWebhooks();
const app5 = express();
app5.use(five.webhooks);
const four = makeWebhooks();
const app4 = express4();
app4.use(four.webhooks);
const results = [await check('express', app5, five.heard), await check('express4', app4, four.heard)];
console.log(JSON.stringify(results));
`;

describe('the packed tarball', () => {
  let scratch: string;
  let tarball: string;
  let newest: Record<'ts7' | 'node-latest', Toolchain> | undefined;
  let skipNewest: string | undefined;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'idwise-webhooks-pack-'));
    tarball = await pack(scratch);
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
    await npm(
      [
        'install',
        '--prefer-offline',
        tarball,
        'express@^5',
        'express4@npm:express@^4',
        '@types/node@^20',
        '@types/express@^5',
        '@types/express4@npm:@types/express@^4',
      ],
      scratch,
    );
    try {
      newest = await toolchains('ts7', 'node-latest');
    } catch (error) {
      skipNewest = skipWhenOffline(error, 'the tarball check with TypeScript 7 and the latest @types/node');
    }
  }, 180_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('holds the built code, types, README and licence, and no sources, specs or source maps', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(listing).toContain('package/dist/esm/index.js');
    expect(listing).toContain('package/dist/cjs/index.js');
    expect(listing).toContain('package/dist/cjs/index.d.ts');
    expect(listing).toContain('package/README.md');
    expect(listing).toContain('package/LICENSE');
    expect(listing).toContain('package/bin/idwise-webhooks.js');
    // The CLI runs from the ESM build only; its CommonJS copy would be dead weight.
    expect(listing.filter((f) => f.startsWith('package/dist/cjs/cli/'))).toEqual([]);
    expect(listing.filter((f) => /\/(lib|spec|bench)\/|\.map$|\.ts$(?<!\.d\.ts)/.test(f))).toEqual([]);
  });

  for (const expressName of ['express', 'express4']) {
    it(`is imported from an ES module and answers a delivery on ${expressName}`, () => {
      writeFileSync(
        join(scratch, `esm-${expressName}.mjs`),
        program(
          `import express from '${expressName}';\nimport { idwiseWebhooks } from 'idwise-webhooks';\nimport { buildEvent } from 'idwise-webhooks/testing';`,
          expressName,
        ),
      );
      const out = JSON.parse(node(`esm-${expressName}.mjs`, scratch));
      expect(out).toEqual({ express: expressName, status: 200, body: { status: 'processed' }, heard: true });
    }, 30_000);

    it(`is required from CommonJS and answers a delivery on ${expressName}`, () => {
      writeFileSync(
        join(scratch, `cjs-${expressName}.cjs`),
        program(
          `const express = require('${expressName}');\nconst { idwiseWebhooks } = require('idwise-webhooks');\nconst { buildEvent } = require('idwise-webhooks/testing');`,
          expressName,
        ),
      );
      const out = JSON.parse(node(`cjs-${expressName}.cjs`, scratch));
      expect(out).toEqual({ express: expressName, status: 200, body: { status: 'processed' }, heard: true });
    }, 30_000);
  }

  // A TypeScript user of both Express majors, written as a project under the scratch folder.
  function typescriptUser(moduleResolution: 'nodenext' | 'bundler'): string {
    const dir = join(scratch, `ts-${moduleResolution}`);
    if (existsSync(dir)) return dir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: moduleResolution === 'nodenext' ? 'nodenext' : 'esnext',
          moduleResolution,
          target: 'es2022',
          outDir: 'out',
          types: ['node'],
          typeRoots: ['../node_modules/@types'],
        },
        include: ['*.mts'],
      }),
    );
    writeFileSync(join(dir, 'app.mts'), TYPESCRIPT_USER);
    // The README's TypeScript quick start, as a user copies it: compiled beside the app, never run.
    writeFileSync(join(dir, 'quick-start.mts'), readFileSync(join(repo, 'examples/quick-start/server.ts')));
    return dir;
  }

  for (const moduleResolution of ['nodenext', 'bundler'] as const) {
    it(`compiles a TypeScript user and the README's TypeScript quick start with moduleResolution ${moduleResolution}, catches a misspelt event, and answers on Express 4 and 5`, () => {
      const dir = typescriptUser(moduleResolution);
      const pinned = join(repo, 'node_modules/typescript/bin/tsc');
      try {
        execFileSync(process.execPath, [pinned, '-p', dir], { encoding: 'utf8', cwd: dir });
      } catch (error) {
        throw new Error(`tsc failed:\n${(error as { stdout: string }).stdout}`, { cause: error });
      }
      const out = JSON.parse(node(join(dir, 'out', 'app.mjs'), dir));
      expect(out).toEqual(
        ['express', 'express4'].map((express) => ({
          express,
          status: 200,
          body: { status: 'processed' },
          heard: true,
        })),
      );
    }, 60_000);

    it(`type-checks that user and the README's TypeScript quick start with TypeScript 7 and the latest @types/node too (moduleResolution ${moduleResolution})`, async (ctx) => {
      if (!newest) return ctx.skip(skipNewest);
      const dir = typescriptUser(moduleResolution);
      // The newest @types/node first, so that it, not the pinned one installed beside express, is `node`.
      const tsconfig = {
        extends: './tsconfig.json',
        compilerOptions: { noEmit: true, typeRoots: [newest['node-latest'].typeRoot, '../node_modules/@types'] },
      };
      writeFileSync(join(dir, 'tsconfig.newest.json'), JSON.stringify(tsconfig));
      const versions = `typescript ${newest.ts7.version}, @types/node ${newest['node-latest'].version}`;
      expect(await tsc(newest.ts7, join(dir, 'tsconfig.newest.json')), versions).toEqual({ code: 0, output: '' });
    }, 60_000);
  }
});
