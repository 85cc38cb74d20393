import type { Logger } from '../../lib/index.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  fields: Record<string, unknown>;
  message: string;
}

/** A pino-shaped logger that keeps what it is told, so tests can read the logs (and search them for secrets). */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(fields: object, message: string): void {
    this.#push('debug', fields, message);
  }
  info(fields: object, message: string): void {
    this.#push('info', fields, message);
  }
  warn(fields: object, message: string): void {
    this.#push('warn', fields, message);
  }
  error(fields: object, message: string): void {
    this.#push('error', fields, message);
  }

  at(level: LogLevel): LogEntry[] {
    return this.entries.filter((entry) => entry.level === level);
  }

  /** Everything logged, as one string. */
  get text(): string {
    return JSON.stringify(this.entries);
  }

  #push(level: LogLevel, fields: object, message: string): void {
    this.entries.push({ level, fields: fields as Record<string, unknown>, message });
  }
}
