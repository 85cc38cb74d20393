import { describe, expect, it } from 'vitest';

describe('the Express these specs run on', () => {
  it('is the major version the vitest project is named after (express5, express4)', async ({ task }) => {
    // The express4 project aliases `express` to the `express4` package; this proves the alias took.
    const { default: manifest } = (await import('express/package.json', { with: { type: 'json' } })) as {
      default: { version: string };
    };
    expect(`express${manifest.version.split('.')[0]}`).toBe(task.file.projectName);
  });
});
