import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// `npm run test:types`: the type matrix runs apart from `npm test`, which it would slow by minutes on
// two cores (two dozen tsc runs) and whose timing-sensitive specs it would starve of CPU.
export default defineConfig({
  root: resolve(import.meta.dirname, '../..'),
  test: { name: 'types', include: ['spec/types/**/*.spec.ts'] },
});
