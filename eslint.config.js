import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.tmp/', 'bench/out/', 'examples/nextjs/.next/', 'examples/nextjs/next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: globals.node,
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      // A named interface over a computed type is how editors get a readable name for it.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // Scripts, examples, benchmarks and specs talk to a terminal.
    files: ['scripts/**', 'examples/**', 'bench/**', 'spec/**', 'lib/cli/**'],
    rules: { 'no-console': 'off' },
  },
);
