/**
 * The packed package as TypeScript users compile it: spec/types/first-hour.ts (the quick start, then
 * misspelt event names under `@ts-expect-error`) type-checked against the tarball with TypeScript 6
 * and 7 and @types/node 20, 22, 24 and latest, from ESM and CommonJS under `nodenext` and under
 * `bundler`. The toolchains install once into .tmp/types-* (spec/support/toolchains.ts); the consumer
 * sits outside the repo so that nothing resolves from our node_modules, and mounts on node:http
 * because Express's types bring an @types/node of their own. spec/types/first-hour-fastify.ts, the
 * `idwise-webhooks/fastify` entry, compiles the same way beside Fastify 4 and 5 (each in a consumer
 * of its own) under each TypeScript and module setting, with the latest @types/node.
 *
 * Run by `npm run test:types` (and .ci/run), not by `npm test`: its two dozen tsc runs added minutes
 * to the suite on two cores.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  npm,
  pack,
  repo,
  skipWhenOffline,
  toolchains,
  tsc,
  type Compiled,
  type Toolchain,
  type ToolchainName,
} from '../support/toolchains.js';

const fixture = readFileSync(join(repo, 'spec/types/first-hour.ts'), 'utf8');
const fastifyFixture = readFileSync(join(repo, 'spec/types/first-hour-fastify.ts'), 'utf8');
// The repo's type-check reads the fixtures against lib/; a user imports the package by its name.
const LIB_IMPORT = "from '../../lib/index.js'";
const FASTIFY_IMPORT = "from '../../lib/http/fastify-plugin.js'";
const asUser = (source: string) =>
  source.replace(LIB_IMPORT, "from 'idwise-webhooks'").replace(FASTIFY_IMPORT, "from 'idwise-webhooks/fastify'");

// Each line a `@ts-expect-error` guards, numbered as in the source without the directives.
const directive = /^\s*\/\/ @ts-expect-error/;
const stripDirectives = (source: string) =>
  source
    .split('\n')
    .filter((line) => !directive.test(line))
    .join('\n');
/** Each guarded line, and the first word its directive quotes ('paht', `auth`): what the error must name. */
function guardedLines(source: string): { code: string; line: number; names: string | undefined }[] {
  const stripped = stripDirectives(source).split('\n');
  return source
    .split('\n')
    .flatMap((line, index, lines) => (directive.test(line) ? [[line, lines[index + 1]!] as const] : []))
    .map(([comment, code]) => ({
      code,
      line: stripped.indexOf(code) + 1,
      names: /['`](\w+)['`]/.exec(comment)?.[1],
    }));
}
const withoutDirectives = stripDirectives(fixture);
const misuses = guardedLines(fixture).map(({ code, line }) => {
  const [, method, name] = /\.(\w+)\('(\w+)'/.exec(code) ?? [];
  return { method, name, line };
});

const TYPESCRIPTS = ['ts6', 'ts7'] as const;
const FASTIFY_MAJORS = ['4', '5'] as const;
const NODE_TYPES = ['node20', 'node22', 'node24', 'node-latest'] as const;
const major = (name: ToolchainName) => name.replace(/^(ts|node-?)/, '');
const MODES = {
  nodenext: {
    label: 'module nodenext, from ESM (.mts) and CommonJS (.cts)',
    compilerOptions: { module: 'nodenext' },
    files: (base: string) => [`${base}.mts`, `${base}.cts`],
  },
  bundler: {
    label: 'moduleResolution bundler',
    compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
    files: (base: string) => [`${base}.ts`],
  },
} as const;
type Mode = keyof typeof MODES;
// Without the directives, and with skipLibCheck off so that our .d.ts files are checked too: TypeScript 7
// against each @types/node, and TypeScript 6, several times slower, against the latest only.
const UNSKIPPED = [['ts6', 'node-latest'] as const, ...NODE_TYPES.map((types) => ['ts7', types] as const)];

// Two compilers at a time: the machine has two cores, and other spec files run beside this one.
const waiting: (() => void)[] = [];
let running = 0;
async function inTurn<T>(task: () => Promise<T>): Promise<T> {
  if (running < 2) running++;
  else await new Promise<void>((go) => waiting.push(go));
  try {
    return await task();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** tsc's plain output as `{ file, line, message }`, continuation lines joined to their error. */
function diagnostics(output: string): { file: string; line: number; message: string }[] {
  const found: { file: string; line: number; message: string }[] = [];
  for (const line of output.split('\n')) {
    const head = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
    if (head) found.push({ file: basename(head[1]!), line: Number(head[2]), message: head[3]! });
    else if (found.length) found.at(-1)!.message += `\n${line}`;
  }
  return found;
}

describe('the packed package under each TypeScript, @types/node and module setting', () => {
  let scratch: string;
  let skip: string | undefined;
  let found: Record<ToolchainName, Toolchain>;
  const results = new Map<string, Promise<Compiled>>();

  function compile(
    name: string,
    {
      ts,
      types,
      mode,
      source = fixture,
      base = 'first-hour',
      consumer = scratch,
      options = {},
    }: {
      ts: Toolchain;
      types: Toolchain;
      mode: Mode;
      source?: string;
      base?: string;
      consumer?: string;
      options?: object;
    },
  ) {
    const dir = join(consumer, name);
    mkdirSync(dir);
    const { compilerOptions } = MODES[mode];
    const files = MODES[mode].files(base);
    for (const file of files) writeFileSync(join(dir, file), asUser(source));
    // What `tsc --init` writes (strict, skipLibCheck), with the @types/node under test as the only types.
    const tsconfig = {
      compilerOptions: {
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        target: 'es2022',
        ...compilerOptions,
        types: ['node'],
        typeRoots: [types.typeRoot],
        ...options,
      },
      files,
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    results.set(
      name,
      inTurn(() => tsc(ts, dir)),
    );
  }

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'idwise-webhooks-types-'));
    try {
      const [tarball, installed] = await Promise.all([pack(scratch), toolchains(...TYPESCRIPTS, ...NODE_TYPES)]);
      found = installed;
      // A consumer of the package alone, and one per Fastify major with Fastify's own types beside it.
      const consumers: [string, string[]][] = [
        [scratch, []],
        ...FASTIFY_MAJORS.map((major): [string, string[]] => [join(scratch, `fastify${major}`), [`fastify@${major}`]]),
      ];
      await Promise.all(
        consumers.map(async ([dir, extra]) => {
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'first-hour', private: true }));
          await npm(['install', '--prefer-offline', tarball, ...extra], dir);
        }),
      );
    } catch (error) {
      skip = skipWhenOffline(error, 'the type matrix');
      return;
    }
    // These go first: with skipLibCheck off, they take longest.
    for (const [ts, types] of UNSKIPPED) {
      const options = { skipLibCheck: false };
      const setting = {
        ts: found[ts],
        types: found[types],
        mode: 'nodenext' as const,
        source: withoutDirectives,
        options,
      };
      compile(`unskipped-${ts}-${types}`, setting);
    }
    for (const ts of TYPESCRIPTS)
      for (const types of NODE_TYPES)
        for (const mode of Object.keys(MODES) as Mode[])
          compile(`${ts}-${types}-${mode}`, { ts: found[ts], types: found[types], mode });
    for (const fastify of FASTIFY_MAJORS) {
      const setting = {
        types: found['node-latest'],
        source: fastifyFixture,
        base: 'first-hour-fastify',
        consumer: join(scratch, `fastify${fastify}`),
      };
      const unguarded = {
        ...setting,
        ts: found.ts7,
        mode: 'nodenext' as const,
        source: stripDirectives(fastifyFixture),
      };
      compile(`fastify${fastify}-unguarded`, unguarded);
      for (const ts of TYPESCRIPTS)
        for (const mode of Object.keys(MODES) as Mode[])
          compile(`fastify${fastify}-${ts}-${mode}`, { ...setting, ts: found[ts], mode });
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all(results.values());
    rmSync(scratch, { recursive: true, force: true });
  });

  it('misspells an event name for on, off, once, emit and listenerCount, in a file that imports lib/', () => {
    expect(fixture).toContain(LIB_IMPORT);
    expect(misuses.map(({ method }) => method)).toEqual(['on', 'off', 'once', 'emit', 'listenerCount']);
  });

  for (const ts of TYPESCRIPTS)
    for (const types of NODE_TYPES)
      for (const [mode, { label }] of Object.entries(MODES)) {
        const setting = `TypeScript ${major(ts)}, @types/node ${major(types)}, ${label}`;
        it(`${setting}: the quick start compiles and each misspelt event name is an error`, async (ctx) => {
          if (skip) return ctx.skip(skip);
          const versions = `typescript ${found[ts].version}, @types/node ${found[types].version}`;
          expect(await results.get(`${ts}-${types}-${mode}`), versions).toEqual({ code: 0, output: '' });
        }, 180_000);
      }

  for (const fastify of FASTIFY_MAJORS) {
    for (const ts of TYPESCRIPTS)
      for (const [mode, { label }] of Object.entries(MODES))
        it(`idwise-webhooks/fastify with Fastify ${fastify}, TypeScript ${major(ts)}, the latest @types/node, ${label}: the registration compiles and each typo is an error`, async (ctx) => {
          if (skip) return ctx.skip(skip);
          const compiled = await results.get(`fastify${fastify}-${ts}-${mode}`);
          expect(compiled, `typescript ${found[ts].version}`).toEqual({ code: 0, output: '' });
        }, 180_000);

    it(`idwise-webhooks/fastify with Fastify ${fastify}, without @ts-expect-error: the only errors are the typos, each naming what was wrong`, async (ctx) => {
      if (skip) return ctx.skip(skip);
      const { output } = await results.get(`fastify${fastify}-unguarded`)!;
      const reported = diagnostics(output);
      const guarded = guardedLines(fastifyFixture);
      const expected = MODES.nodenext
        .files('first-hour-fastify')
        .flatMap((file) => guarded.map(({ line }) => `${file}:${line}`));
      expect(reported.map(({ file, line }) => `${file}:${line}`).sort(), output).toEqual(expected.sort());
      // Each message names what its directive quotes, so the user sees which word is wrong.
      for (const { line, names } of guarded) {
        const messages = reported.filter((diagnostic) => diagnostic.line === line).map(({ message }) => message);
        expect(names, `the directive above line ${line} quotes a word`).toBeDefined();
        expect(messages.join('\n'), `line ${line}`).toMatch(new RegExp(`['"]${names}['"]`));
      }
    }, 180_000);
  }

  for (const [ts, types] of UNSKIPPED)
    it(`TypeScript ${major(ts)}, @types/node ${major(types)}, skipLibCheck off, no @ts-expect-error: the only errors are the misspelt names, each naming the known events`, async (ctx) => {
      if (skip) return ctx.skip(skip);
      const { output } = await results.get(`unskipped-${ts}-${types}`)!;
      const reported = diagnostics(output);
      const expected = MODES.nodenext
        .files('first-hour')
        .flatMap((file) => misuses.map(({ line }) => `${file}:${line}`));
      expect(reported.map(({ file, line }) => `${file}:${line}`).sort(), output).toEqual(expected.sort());
      const unreadable = reported.filter(({ line, message }) => {
        const name = misuses.find((misuse) => misuse.line === line)?.name;
        return (
          !message.includes(`"${name}"`) ||
          !/IdwiseEventMap|"journeyCompleted" \|/.test(message) ||
          /\bnever\b/.test(message)
        );
      });
      expect(unreadable, 'each message names the misspelt event and IdwiseEventMap, not `never`').toEqual([]);
    }, 180_000);
});
