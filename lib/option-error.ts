/** How a bad option is reported: its name, what it got (never a secret's content) and an example that works. */
import { describeValue } from './describe-value.js';
import { closest } from './suggest.js';

export const EXAMPLE_AUTH = "auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] }";

export class OptionsError extends TypeError {
  override name = 'IdwiseWebhooksOptionsError';
}

/** A value that is not a secret, shown as it was given (cut short), so the message points at the typo. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describeValue(value);
}

/**
 * Throws the options error. `got` is shown as given unless `secret` is set: then only its type and
 * length are named, since a credential must never reach a log.
 */
export function fail(option: string, got: unknown, expected: string, example: string, secret = false): never {
  throw new OptionsError(
    `idwiseWebhooks: option "${option}" must be ${expected}, got ${secret ? describeValue(got) : showValue(got)}. ` +
      `Example: idwiseWebhooks({ ${example} })`,
  );
}

/** Throws for a key that is not one of `known` (a typo would otherwise be silently ignored). */
export function refuseUnknownKeys(where: string, given: object, known: readonly string[], example: string): void {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const meant = closest(key, known);
    throw new OptionsError(
      `idwiseWebhooks: unknown option "${where}${key}".${meant ? ` Did you mean "${where}${meant}"?` : ''} ` +
        `Known: ${known.join(', ')}. Example: idwiseWebhooks({ ${example} })`,
    );
  }
}
