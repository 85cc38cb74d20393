/**
 * The README's quick start runs as written, in both languages: its JavaScript block is
 * examples/quick-start/server.mjs to the letter, its TypeScript block is examples/quick-start/server.ts
 * to the letter and compiles under `strict`, and each server, started as the README says, answers the
 * README's curl command.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const readme = readFileSync(resolve(repo, 'README.md'), 'utf8');
const blocks = (lang: string) =>
  [...readme.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm'))].map((m) => m[1]!);
const example = (file: string) => readFileSync(resolve(repo, 'examples/quick-start', file), 'utf8');

// Inside the repository, so the compiled server resolves `idwise-webhooks` to this package's build.
const compiledDir = join(repo, '.tmp', 'readme-quick-start-ts');
let compiled: string | undefined;

/** Compiles server.ts as a user's strict project would, once; returns tsc's complaints ('' when none). */
function compileTypeScript(): string {
  if (compiled !== undefined) return compiled;
  rmSync(compiledDir, { recursive: true, force: true });
  mkdirSync(compiledDir, { recursive: true });
  writeFileSync(
    join(compiledDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        skipLibCheck: true,
        types: ['node'],
        rootDir: resolve(repo, 'examples/quick-start'),
        outDir: join(compiledDir, 'out'),
      },
      files: [resolve(repo, 'examples/quick-start/server.ts')],
    }),
  );
  try {
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', compiledDir], {
      encoding: 'utf8',
    });
    compiled = '';
  } catch (error) {
    compiled = (error as { stdout: string }).stdout || String(error);
  }
  return compiled;
}

describe('the README quick start', () => {
  it('is examples/quick-start/server.mjs in JavaScript, to the letter', () => {
    expect(blocks('js')[0]).toBe(example('server.mjs'));
  });

  it('is examples/quick-start/server.ts in TypeScript, to the letter', () => {
    expect(blocks('ts')[0]).toBe(example('server.ts'));
  });

  it('compiles in TypeScript under strict, against the built package', () => {
    expect(compileTypeScript()).toBe('');
  }, 60_000);

  it.each([
    ['server.mjs', 'examples/quick-start/server.mjs'],
    ['server.ts, compiled', join(compiledDir, 'out', 'server.js')],
  ])(
    "%s starts as the README says and answers the README's curl with 200 processed, then duplicate",
    async (_name, script) => {
      if (script.endsWith('server.js')) expect(compileTypeScript()).toBe('');
      const port = String(20_000 + Math.floor(Math.random() * 20_000));
      const server = spawn(process.execPath, [script], {
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
          server.stderr.on('data', (chunk: Buffer) => (output += chunk));
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
    },
    60_000,
  );
});
