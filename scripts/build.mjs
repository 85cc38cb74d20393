// Builds the package twice from one source: ESM (dist/esm) and CommonJS (dist/cjs),
// each with its own declarations, so `import` and `require` both get types that match, and with
// the payload validators compiled and the schemas written out ahead of time (precompile-*.mjs), so
// that neither ajv's compiler nor TypeBox is loaded at run time.
// It builds beside dist and swaps it in at the end, so that processes reading dist (a running
// test, an example) never see it half-written or missing. `node scripts/build.mjs .tmp/ref` builds
// into another directory instead (inside the repo, so that it finds node_modules): a reference
// for the bench's --compare, given as .tmp/ref/esm.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { precompileSchemas } from './precompile-schemas.mjs';
import { precompileValidators } from './precompile-validators.mjs';

const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });

const out = mkdtempSync('dist-build-');
try {
  tsc(['-p', 'tsconfig.json', '--outDir', join(out, 'esm')]);
  tsc(['-p', 'tsconfig.json', '--module', 'commonjs', '--moduleResolution', 'bundler', '--outDir', join(out, 'cjs')]);
  // Without this marker Node would read dist/cjs/*.js as ESM, because the root package is "type": "module".
  writeFileSync(join(out, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
  // Both read the schemas from this build's tsc output, so the validators first: they need TypeBox's objects only as data.
  await precompileValidators(out);
  await precompileSchemas(out);
  const target = process.argv[2] ?? 'dist';
  rmSync(target, { recursive: true, force: true });
  renameSync(out, target);
} finally {
  rmSync(out, { recursive: true, force: true });
}
