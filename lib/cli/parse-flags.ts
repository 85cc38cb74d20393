/**
 * Flags for one command, read with node:util's parseArgs in token mode so that every mistake gets
 * this CLI's own message (the flag, what is wrong, a fix), not parseArgs' generic one. Messages
 * name flags only: a value may be a credential.
 */
import { parseArgs } from 'node:util';
import { closest } from '../suggest.js';
import { UsageError } from './usage-error.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  /** May be given more than once; the values are kept in order. */
  multiple?: boolean;
  short?: string;
  /** The flag in use, shown as the fix: `--times 3`. */
  example: string;
  /** Other words a user may reach for, suggested as this flag: `--token` finds `--bearer`. */
  synonyms?: readonly string[];
}

export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<F extends FlagSpec> = F['type'] extends 'boolean'
  ? boolean
  : F['multiple'] extends true
    ? string[]
    : string | undefined;

export type FlagValues<S extends FlagSpecs> = { [K in keyof S]: ValueOf<S[K]> };

export interface ParsedFlags<S extends FlagSpecs> {
  flags: FlagValues<S>;
  positionals: string[];
}

export function parseFlags<S extends FlagSpecs>(command: string, args: string[], specs: S): ParsedFlags<S> {
  const { tokens } = parseArgs({
    args,
    options: Object.fromEntries(
      Object.entries(specs).map(([name, { type, short }]) => [name, short ? { type, short } : { type }]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: Record<string, string | boolean | string[] | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    flags[name] = spec.type === 'boolean' ? false : spec.multiple ? [] : undefined;
  }
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
    if (!spec) throw unknownFlag(command, token.rawName, specs);
    const flag = `--${token.name}`;
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${flag} takes no value.`, spec.example);
      flags[token.name] = true;
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${flag} needs a value.`, spec.example);
    // parseArgs would take the next flag as this one's value: `--event --bearer T`.
    if (!token.inlineValue && token.value.startsWith('-')) {
      throw new UsageError(
        `${flag} needs a value, but the word after it starts with "-".`,
        `${spec.example}  (or ${flag}=<value> if the value itself starts with "-")`,
      );
    }
    const previous = flags[token.name];
    if (Array.isArray(previous)) previous.push(token.value);
    else if (previous !== undefined)
      throw new UsageError(`${flag} is given more than once.`, `give it once: ${spec.example}`);
    else flags[token.name] = token.value;
  }
  return { flags: flags as FlagValues<S>, positionals };
}

function unknownFlag(command: string, rawName: string, specs: FlagSpecs): UsageError {
  const meant = flagMeant(rawName.replace(/^-+/, ''), specs);
  const list = Object.keys(specs)
    .map((name) => `--${name}`)
    .join(', ');
  return meant
    ? new UsageError(`unknown flag ${rawName} for "${command}". Did you mean --${meant}?`, specs[meant]!.example)
    : new UsageError(
        `unknown flag ${rawName} for "${command}". Its flags are: ${list}.`,
        `idwise-webhooks help ${command}`,
      );
}

/** The flag whose name or synonym is `name`, else the one whose name or synonym is spelt nearest. */
function flagMeant(name: string, specs: FlagSpecs): string | undefined {
  const flagOf = new Map<string, string>();
  for (const [flag, spec] of Object.entries(specs)) {
    flagOf.set(flag, flag);
    for (const synonym of spec.synonyms ?? []) flagOf.set(synonym, flag);
  }
  const exact = flagOf.get(name) ?? flagOf.get(name.toLowerCase());
  if (exact) return exact;
  // One-letter synonyms (curl's -H and -u) match exactly only: any stray letter is one edit from them.
  const words = [...flagOf.keys()].filter((word) => word.length > 1).map((word) => `--${word}`);
  const near = closest(`--${name}`, words);
  return near && flagOf.get(near.slice(2));
}
