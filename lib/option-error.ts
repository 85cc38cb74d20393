/** How a bad option is reported: its name, what it got (never a secret's content) and an example that works. */
import { describeValue } from './describe-value.js';

export const EXAMPLE_AUTH = "auth: { type: 'bearer', tokens: [process.env.IDWISE_WEBHOOK_TOKEN] }";

export class OptionsError extends TypeError {
  override name = 'IdwiseWebhooksOptionsError';
}

export function fail(option: string, got: unknown, expected: string, example: string): never {
  throw new OptionsError(
    `idwiseWebhooks: option "${option}" must be ${expected}, got ${describeValue(got)}. Example: idwiseWebhooks({ ${example} })`,
  );
}
