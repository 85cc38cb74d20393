import { defineConfig } from 'vitest/config';

// Every HTTP spec runs twice: once on Express 5 and once on Express 4 (installed as the alias
// `express4`), because users run both and they differ in body handling and async errors.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'spec/unit/**/*.spec.ts',
            'spec/stores/**/*.spec.ts',
            'spec/process/**/*.spec.ts',
            'spec/fuzz/**/*.spec.ts',
            'spec/simulation/**/*.spec.ts',
            'spec/package/**/*.spec.ts',
          ],
        },
      },
      {
        test: { name: 'express5', include: ['spec/http/**/*.spec.ts'] },
      },
      {
        resolve: { alias: { express: 'express4' } },
        test: { name: 'express4', include: ['spec/http/**/*.spec.ts'] },
      },
    ],
  },
});
