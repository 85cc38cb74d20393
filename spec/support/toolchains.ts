/**
 * What the packaging specs need from npm: the package packed as it would be published, and the
 * TypeScript and @types/node versions users compile with, each installed once into its own
 * .tmp/types-<name> and kept between runs. Only a missing or outdated install reaches the registry.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const repo = resolve(import.meta.dirname, '../..');

const TOOLCHAINS = {
  ts6: { pkg: 'typescript', range: '~6.0' },
  ts7: { pkg: 'typescript', range: '7' },
  node20: { pkg: '@types/node', range: '20' },
  node22: { pkg: '@types/node', range: '22' },
  node24: { pkg: '@types/node', range: '24' },
  'node-latest': { pkg: '@types/node', range: 'latest' },
} as const;

export type ToolchainName = keyof typeof TOOLCHAINS;

export interface Toolchain {
  name: ToolchainName;
  version: string;
  /** `tsc` for a TypeScript toolchain; run it with process.execPath. */
  tsc: string;
  /** The folder to list in `typeRoots` for an @types/node toolchain. */
  typeRoot: string;
}

/** npm could not reach the registry, as opposed to a package that failed to install. */
export class RegistryUnreachable extends Error {}

const OFFLINE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENOTCACHED)\b/;
// npm's default backoff takes over a minute to give up on a registry that is not there.
const QUICK_RETRIES = ['--fetch-retries=2', '--fetch-retry-mintimeout=1000', '--fetch-retry-maxtimeout=5000'];

export async function npm(args: string[], cwd: string): Promise<string> {
  const flags = [...QUICK_RETRIES, '--no-audit', '--no-fund', '--loglevel=error'];
  try {
    const run = promisify(execFile);
    return (await run('npm', [...args, ...flags], { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const code = OFFLINE.exec(`${(error as { stderr?: string }).stderr}${(error as Error).message}`)?.[1];
    const command = ['npm', ...args.filter((arg) => !arg.startsWith('-') && !isAbsolute(arg))].join(' ');
    if (code) throw new RegistryUnreachable(`${command} could not reach the registry (${code})`);
    throw error;
  }
}

/** `npm pack` into `destination`; returns the tarball's path. */
export async function pack(destination: string): Promise<string> {
  // The test scripts build dist first: a prepack build here would swap dist under the specs reading it.
  const packed = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', destination], repo));
  return join(destination, (packed as { filename: string }[])[0]!.filename);
}

const installed = (dir: string, pkg: string): string | undefined => {
  const manifest = join(dir, 'node_modules', pkg, 'package.json');
  return existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : undefined;
};

async function wanted(pkg: string, range: string, present: string | undefined): Promise<(v: string) => boolean> {
  if (range === 'latest') {
    try {
      const latest = (await npm(['view', `${pkg}@latest`, 'version'], repo)).trim();
      return (version) => version === latest;
    } catch (error) {
      // Offline with a copy at hand: it was the latest when installed, which is the best we know.
      if (error instanceof RegistryUnreachable && present) return (version) => version === present;
      throw error;
    }
  }
  const prefix = range.replace(/^~/, '') + '.';
  return (version) => version.startsWith(prefix);
}

async function ensure(name: ToolchainName): Promise<Toolchain> {
  const { pkg, range } = TOOLCHAINS[name];
  const dir = join(repo, '.tmp', `types-${name}`);
  const fits = await wanted(pkg, range, installed(dir, pkg));
  if (!fits(installed(dir, pkg) ?? '')) {
    // Installed aside and renamed into place, so that two spec files asking at once never see half a folder.
    const fresh = `${dir}.${process.pid}`;
    try {
      await npm(['install', '--prefer-offline', '--no-save', '--prefix', fresh, `${pkg}@${range}`], repo);
      if (!fits(installed(dir, pkg) ?? '')) {
        rmSync(dir, { recursive: true, force: true });
        try {
          renameSync(fresh, dir);
        } catch (error) {
          if (!fits(installed(dir, pkg) ?? '')) throw error;
        }
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }
  return {
    name,
    version: installed(dir, pkg)!,
    tsc: join(dir, 'node_modules/typescript/bin/tsc'),
    typeRoot: join(dir, 'node_modules/@types'),
  };
}

export async function toolchains<N extends ToolchainName>(...names: N[]): Promise<Record<N, Toolchain>> {
  // Every install settles before an error is thrown, so that none is left running past the caller.
  const settled = await Promise.allSettled(names.map(ensure));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  const found = settled.map((result) => (result as PromiseFulfilledResult<Toolchain>).value);
  return Object.fromEntries(found.map((toolchain) => [toolchain.name, toolchain])) as Record<N, Toolchain>;
}

const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI);

/**
 * For a `catch`: an unreachable registry fails the run under CI (CI=true) and elsewhere becomes a
 * skip, said once; any other error is rethrown. Returns the reason to skip with.
 */
export function skipWhenOffline(error: unknown, what: string): string {
  if (!(error instanceof RegistryUnreachable)) throw error;
  if (ci) throw new Error(`${what} needs the npm registry, and under CI it must be reachable: ${error.message}`);
  console.log(`Skipping ${what}: ${error.message}.`);
  return error.message;
}

export interface Compiled {
  code: number;
  output: string;
}

/** Runs `tsc -p project` and resolves with its exit code and plain diagnostics; never rejects. */
export function tsc(toolchain: Toolchain, project: string): Promise<Compiled> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [toolchain.tsc, '-p', project, '--pretty', 'false'],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        done({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          output: `${stdout}${stderr}`.trim(),
        }),
    );
  });
}
