/**
 * `--set body.systemDecision=Refer` and `--unset body.eventId`: changes to the payload before it
 * is sent, addressed by a dotted path (array items by index: `body.requiredSteps.0.stepId`).
 */
import { UsageError } from './usage-error.js';

export type PayloadEdit = { path: string[]; value: unknown } | { path: string[]; remove: true };

const SET_EXAMPLE = '--set body.systemDecision=Refer';
const UNSET_EXAMPLE = '--unset body.eventId';

/** The value is JSON when it parses as JSON (`2`, `null`, `true`, `"0"`, `{...}`), else the text as a string. */
export function parseSet(argument: string): PayloadEdit {
  const equals = argument.indexOf('=');
  if (equals === -1) throw new UsageError('--set needs path=value.', SET_EXAMPLE);
  return {
    path: parsePath(argument.slice(0, equals), '--set', SET_EXAMPLE),
    value: parseValue(argument.slice(equals + 1)),
  };
}

export function parseUnset(argument: string): PayloadEdit {
  return { path: parsePath(argument, '--unset', UNSET_EXAMPLE), remove: true };
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parsePath(text: string, flag: string, example: string): string[] {
  const path = text.split('.');
  if (path.some((segment) => segment === '')) {
    throw new UsageError(`${flag} needs a dotted path to a field, with no empty parts.`, example);
  }
  // The payload is a plain JSON object: these names could only reach its prototype.
  if (path.some((segment) => segment === '__proto__' || segment === 'constructor' || segment === 'prototype')) {
    throw new UsageError(`${flag} cannot address __proto__, constructor or prototype.`, example);
  }
  return path;
}

/** A copy of `payload` with the edits applied in order; missing objects on the way are created. */
export function applyEdits(payload: unknown, edits: readonly PayloadEdit[]): unknown {
  if (edits.length === 0) return payload;
  if (!isContainer(payload) || Array.isArray(payload)) {
    throw new UsageError(
      '--set and --unset need a payload that is a JSON object.',
      '{ "event": "...", "body": { ... } }',
    );
  }
  const result = structuredClone(payload) as Record<string, unknown>;
  edits: for (const edit of edits) {
    let container: Record<string, unknown> = result;
    const parents = edit.path.slice(0, -1);
    for (const [i, segment] of parents.entries()) {
      checkIndex(container, segment, edit.path.slice(0, i + 1));
      const next = container[segment];
      // Nothing to remove below a field that is not there.
      if (next === undefined && 'remove' in edit) continue edits;
      if (next !== undefined && !isContainer(next)) {
        throw new UsageError(
          `${edit.path.slice(0, i + 1).join('.')} is ${describe(next)}, so it has no field ${edit.path[i + 1]}.`,
          `set it whole: --set ${edit.path.slice(0, i + 1).join('.')}='{"${edit.path[i + 1]}":...}'`,
        );
      }
      container[segment] ??= {};
      container = container[segment] as Record<string, unknown>;
    }
    const last = edit.path.at(-1)!;
    checkIndex(container, last, edit.path);
    if (!('remove' in edit)) container[last] = edit.value;
    else if (Array.isArray(container)) container.splice(Number(last), 1);
    else delete container[last];
  }
  return result;
}

function isContainer(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function checkIndex(container: object, segment: string, path: string[]): void {
  if (Array.isArray(container) && !/^(0|[1-9][0-9]*)$/.test(segment)) {
    throw new UsageError(
      `${path.slice(0, -1).join('.')} is an array: address its items by index.`,
      `--set ${[...path.slice(0, -1), '0'].join('.')}=...`,
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
