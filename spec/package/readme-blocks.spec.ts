/**
 * Every JavaScript and TypeScript block in the README type-checks against the built package, as
 * a user's file would: JavaScript loosely (as plain JS users see it), TypeScript strictly. The quick
 * start is also run, in readme.spec.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const readme = readFileSync(resolve(repo, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(js|ts)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));

describe('the README code blocks', () => {
  it('has JavaScript and TypeScript blocks to check', () => {
    expect(blocks.filter((b) => b.lang === 'js').length).toBeGreaterThanOrEqual(4);
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(1);
  });

  it('all type-check against the built package, importing it by its name', () => {
    // Inside the repository, so `idwise-webhooks` resolves to this package through its exports.
    const dir = join(repo, '.tmp', 'readme-blocks');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    blocks.forEach(({ lang, code }, i) =>
      writeFileSync(join(dir, `block-${i}.${lang === 'js' ? 'mjs' : 'mts'}`), code),
    );
    const base = {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    };
    writeFileSync(
      join(dir, 'tsconfig.js.json'),
      JSON.stringify({ compilerOptions: { ...base, allowJs: true, checkJs: true, strict: false }, include: ['*.mjs'] }),
    );
    writeFileSync(
      join(dir, 'tsconfig.ts.json'),
      JSON.stringify({ compilerOptions: { ...base, strict: true }, include: ['*.mts'] }),
    );
    const tsc = (project: string) => {
      try {
        execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(dir, project)], {
          encoding: 'utf8',
        });
        return '';
      } catch (error) {
        return (error as { stdout: string }).stdout;
      }
    };
    expect(tsc('tsconfig.js.json')).toBe('');
    expect(tsc('tsconfig.ts.json')).toBe('');
  }, 60_000);
});
