/**
 * `npm pack` (and so `npm publish`) from a fresh clone, before any build: the tarball must carry the
 * built code, which only a `prepack` build gives it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

describe('packing a fresh clone', () => {
  it('builds first, so the tarball ships dist/ for import and require', () => {
    const clone = join(repo, '.tmp', 'fresh-clone');
    rmSync(clone, { recursive: true, force: true });
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: repo, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
    for (const file of tracked) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      cpSync(join(repo, file), join(clone, file));
    }
    symlinkSync(join(repo, 'node_modules'), join(clone, 'node_modules'));

    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts=false'], {
      cwd: clone,
      encoding: 'utf8',
    });
    // npm's own output says why, should the build in the clone fail.
    if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
    const report = packed.stdout;
    const files = (JSON.parse(report) as [{ files: { path: string }[] }])[0].files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/esm/index.js',
        'dist/cjs/index.js',
        'dist/esm/index.d.ts',
        'bin/idwise-webhooks.js',
      ]),
    );
    rmSync(clone, { recursive: true, force: true });
  }, 120_000);
});
