/**
 * A command line the CLI cannot run: what was wrong and how to write it instead. Exit code 2.
 * Messages name flags and describe values; they never repeat a credential.
 */
export class UsageError extends Error {
  override name = 'UsageError';

  constructor(
    message: string,
    /** A corrected command line or flag, shown after `Fix:`. */
    readonly fix: string,
  ) {
    super(message);
  }
}
