import { defineConfig } from 'vitest/config';

// Every HTTP spec runs twice: once on Express 5 and Fastify 5, once on Express 4 and Fastify 4
// (installed as the aliases `express4` and `fastify4`), because users run both and they differ in
// body handling and async errors. The
// fuzz specs run in `unit` (Express 5) and again in `express4`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'spec/unit/**/*.spec.ts',
            'spec/stores/**/*.spec.ts',
            'spec/fuzz/**/*.spec.ts',
            'spec/package/**/*.spec.ts',
            'spec/runtimes/**/*.spec.ts',
          ],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The simulation and the two-process specs judge leases and store timeouts of tens of
        // milliseconds: they run last, one file at a time, with no other spec competing for the cores.
        test: {
          name: 'timing',
          include: ['spec/simulation/**/*.spec.ts', 'spec/process/**/*.spec.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: { name: 'express5', include: ['spec/http/**/*.spec.ts'], sequence: { groupOrder: 0 } },
      },
      {
        resolve: { alias: { express: 'express4', fastify: 'fastify4' } },
        // The fuzz specs serve through Express too (trust proxy, raw HTTP, hostile bodies), so they
        // run on both; the simulation's child processes import express themselves and stay on 5.
        test: {
          name: 'express4',
          include: ['spec/http/**/*.spec.ts', 'spec/fuzz/**/*.spec.ts'],
          sequence: { groupOrder: 0 },
        },
      },
    ],
  },
});
