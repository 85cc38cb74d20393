/** The subset of pino's interface this package calls: `logger.warn({ ...fields }, 'message')`. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Used when no logger is given: quiet about the routine, loud about what loses events.
 * Fields never hold credentials or payload values, only keys, event names and error messages (with
 * the stack, for a failure of the package itself).
 */
export const consoleLogger: Logger = {
  debug() {},
  info() {},
  warn(fields, message) {
    console.warn(`[idwise-webhooks] ${message}`, fields);
  },
  error(fields, message) {
    console.error(`[idwise-webhooks] ${message}`, fields);
  },
};

/**
 * The user's logger, made unable to break a delivery: a logger that throws (a closed transport, a
 * bad serializer) must not turn a handled event into a 500 or leave a claim unsettled.
 */
export function guardedLogger(logger: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (fields: object, message: string): void => {
      try {
        logger[level](fields, message);
      } catch {
        // Nowhere better to report it: the logger is the reporting channel.
      }
    };
  return { debug: guard('debug'), info: guard('info'), warn: guard('warn'), error: guard('error') };
}
