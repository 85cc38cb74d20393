// Builds the package twice from one source: ESM (dist/esm) and CommonJS (dist/cjs),
// each with its own declarations, so `import` and `require` both get types that match.
// It builds beside dist and swaps it in at the end, so that processes reading dist (a running
// test, an example) never see it half-written or missing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });

const out = mkdtempSync('dist-build-');
try {
  tsc(['-p', 'tsconfig.json', '--outDir', join(out, 'esm')]);
  tsc(['-p', 'tsconfig.json', '--module', 'commonjs', '--moduleResolution', 'bundler', '--outDir', join(out, 'cjs')]);
  // Without this marker Node would read dist/cjs/*.js as ESM, because the root package is "type": "module".
  writeFileSync(join(out, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
  rmSync('dist', { recursive: true, force: true });
  renameSync(out, 'dist');
} finally {
  rmSync(out, { recursive: true, force: true });
}
