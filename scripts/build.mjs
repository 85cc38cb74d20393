// Builds the package twice from one source: ESM (dist/esm) and CommonJS (dist/cjs),
// each with its own declarations, so `import` and `require` both get types that match.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
tsc(['-p', 'tsconfig.json']);
tsc(['-p', 'tsconfig.json', '--module', 'commonjs', '--moduleResolution', 'bundler', '--outDir', 'dist/cjs']);
// Without this marker Node would read dist/cjs/*.js as ESM, because the root package is "type": "module".
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
