/** Logging for the runner: a small interface so tests can collect or silence it. */

/** Where the runner reports what it does. Messages never contain the token. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Writes to stderr with a timestamp, leaving stdout free for anything a wrapper pipes. */
export const CONSOLE_LOGGER: Logger = {
  info: (message) => console.error(`${timestamp()} ${message}`),
  warn: (message) => console.error(`${timestamp()} warning: ${message}`),
  error: (message) => console.error(`${timestamp()} error: ${message}`),
};

/** Discards everything. */
export const SILENT_LOGGER: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Logs each distinct problem once per key. A confused or hostile edge could send the same bad
 * message thousands of times a second; the log must stay readable and cheap.
 */
export class OnceLogger {
  readonly #log: Logger;
  readonly #seen = new Set<string>();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Warns about `message` unless a warning with the same `key` was already logged. */
  warn(key: string, message: string): void {
    if (this.#seen.has(key)) return;
    // Bounded: a stream of distinct keys must not grow memory either.
    if (this.#seen.size >= 100) return;
    this.#seen.add(key);
    this.#log.warn(message);
  }
}

function timestamp(): string {
  return new Date().toISOString();
}
