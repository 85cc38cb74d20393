/**
 * Every code block in the README and in docs/ is checked by a spec. Here: every JavaScript and
 * TypeScript block type-checks against the built package, as a user's file would (JavaScript loosely,
 * as plain JS users see it; TypeScript strictly), as does each value of the README's authentication
 * table, and the SQL block is the DDL the PostgreSQL store runs. Shell commands and CLI transcripts are run in docs.spec.ts; the quick start in readme.spec.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresDedupeTableSql } from '../../lib/index.js';

const repo = resolve(import.meta.dirname, '../..');
const documents = ['README.md', ...readdirSync(join(repo, 'docs')).map((file) => `docs/${file}`)].filter((file) =>
  file.endsWith('.md'),
);
const blocks = documents.flatMap((document) =>
  [...readFileSync(join(repo, document), 'utf8').matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m, index) => ({
    document,
    index,
    lang: m[1]!,
    code: m[2]!,
  })),
);
const ofLang = (...langs: string[]) => blocks.filter((block) => langs.includes(block.lang));

/** The README's authentication table, each row's value as a typed constant a user could paste. */
function authTableAsTypeScript(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| IDWise setting | `auth` |')).split('\n\n')[0]!;
  const values = [...table.matchAll(/^\|[^|]+\| `([^`]+)`/gm)].map((m) => m[1]!).slice(1);
  expect(values.length).toBeGreaterThanOrEqual(5);
  return [
    "import type { AuthOption, IdwiseWebhooksOptions } from 'idwise-webhooks';",
    ...values.map((value, i) =>
      value.startsWith('{')
        ? `export const auth${i}: AuthOption = ${value};`
        : `export const options${i}: Partial<IdwiseWebhooksOptions> = { ${value} };`,
    ),
  ].join('\n');
}

describe('the code blocks of the README and docs/', () => {
  it('are each of a kind a spec checks: js, ts, sql, sh or text', () => {
    const unchecked = blocks.filter((b) => !['js', 'ts', 'sql', 'sh', 'text'].includes(b.lang));
    expect(unchecked.map((b) => `${b.document} block ${b.index}: "${b.lang}"`)).toEqual([]);
  });

  it('include JavaScript and TypeScript from the README and from docs/', () => {
    for (const lang of ['js', 'ts']) {
      expect(ofLang(lang).filter((b) => b.document === 'README.md').length, `README ${lang}`).toBeGreaterThan(0);
      expect(ofLang(lang).filter((b) => b.document !== 'README.md').length, `docs ${lang}`).toBeGreaterThan(0);
    }
  });

  it('all type-check against the built package, importing it by its name', () => {
    // Inside the repository, so `idwise-webhooks` resolves to this package through its exports.
    const dir = join(repo, '.tmp', 'readme-blocks');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const { document, index, lang, code } of ofLang('js', 'ts')) {
      const name = `${basename(document, '.md')}-${index}.${lang === 'js' ? 'mjs' : 'mts'}`;
      writeFileSync(join(dir, name), code);
    }
    writeFileSync(join(dir, 'README-auth-table.mts'), authTableAsTypeScript());
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
    // Errors name the file as <document>-<block index>.mjs or .mts (the README's authentication table
    // as README-auth-table.mts), in .tmp/readme-blocks/.
    expect(tsc('tsconfig.js.json')).toBe('');
    expect(tsc('tsconfig.ts.json')).toBe('');
  }, 60_000);

  it('show the PostgreSQL table exactly as postgresDedupeTableSql() makes it', () => {
    const sql = ofLang('sql');
    expect(sql.length).toBeGreaterThan(0);
    for (const { code } of sql) expect(code).toBe(`${postgresDedupeTableSql()}\n`);
  });
});
