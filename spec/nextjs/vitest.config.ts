import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// `npm run test:nextjs`: examples/nextjs runs apart from `npm test`, which a `next build` would slow
// by a minute on each Node version; `.ci/run` calls it once.
export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: { name: 'nextjs', include: ['spec/nextjs/**/*.spec.ts'] },
});
