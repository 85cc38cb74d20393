// What both precompile scripts do to a build: write a module's replacement in its ESM and CommonJS
// outputs, then load each back and check it, so that output Node cannot run (or that lost an
// export) fails the build, not a user.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Replaces `file` in `out`/esm and `out`/cjs with `generate(esm)`, then calls `check(module, format)`
 * on each as Node loads it (the ESM one under a query, so no earlier import of it is reused).
 */
export async function replaceInBuild(out, file, generate, check) {
  const esmFile = join(resolve(out, 'esm'), file);
  const cjsFile = join(resolve(out, 'cjs'), file);
  writeFileSync(esmFile, generate(true));
  writeFileSync(cjsFile, generate(false));
  check(await import(`${pathToFileURL(esmFile).href}?built=${Date.now()}`), 'ESM');
  check(createRequire(import.meta.url)(cjsFile), 'CommonJS');
}
