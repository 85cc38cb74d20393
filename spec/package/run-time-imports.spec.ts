/**
 * What a built package loads at run time. The build compiles the validators and writes the
 * schemas out ahead of time (scripts/precompile-*.mjs) so that neither ajv's compiler nor TypeBox
 * is loaded at start-up: together they were about two thirds of it. This holds that in place.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = resolve(import.meta.dirname, '../../dist');
const HEAVY = /^(@sinclair\/typebox|ajv)(\/|$)/;

/** Every bare specifier reachable from `entry` through its relative imports (static ones only, as the build emits). */
function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(
      /(?:^|\n|;)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\s*['"]([^'"]+)['"]/g,
    )) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else bare.add(specifier);
    }
  };
  visit(entry);
  return bare;
}

describe('a built package at run time', () => {
  it.each(['index.js', 'testing/index.js'])(
    "imports neither TypeBox nor ajv (bar ajv's run-time helpers) from dist/esm/%s",
    (entry) => {
      const imports = [...bareImports(resolve(dist, 'esm', entry))];
      expect(
        imports.filter((specifier) => HEAVY.test(specifier) && !specifier.startsWith('ajv/dist/runtime/')),
      ).toEqual([]);
    },
  );

  it('sees the imports it looks for: the main entry reaches raw-body and the string-length helper', () => {
    const imports = bareImports(resolve(dist, 'esm/index.js'));
    expect(imports).toContain('raw-body');
    expect(imports).toContain('ajv/dist/runtime/ucs2length.js');
  });

  it("requires neither TypeBox nor ajv's compiler in a CommonJS process that builds a handler and validates a delivery", () => {
    const script = `
      const { createNodeHandler } = require(${JSON.stringify(resolve(dist, 'cjs/index.js'))});
      const { buildEvent } = require(${JSON.stringify(resolve(dist, 'cjs/testing/index.js'))});
      const handler = createNodeHandler({ auth: { type: 'none', allowInProduction: true } });
      const { Readable } = require('node:stream');
      const body = Buffer.from(JSON.stringify(buildEvent('Finished Journey')));
      const req = Object.assign(Readable.from([body]), { method: 'POST', url: '/webhooks/idwise', headers: { 'content-type': 'application/json' }, socket: {} });
      const res = { writeHead(status) { this.status = status; return this; }, end() {
        const loaded = Object.keys(require.cache).filter((file) => /node_modules\\/(@sinclair\\/typebox|ajv)\\//.test(file));
        console.log(JSON.stringify({ status: this.status, loaded: loaded.map((file) => file.slice(file.lastIndexOf('node_modules/') + 13)) }));
      } };
      handler(req, res);`;
    const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ status: 200, loaded: ['ajv/dist/runtime/ucs2length.js'] });
  });
});
