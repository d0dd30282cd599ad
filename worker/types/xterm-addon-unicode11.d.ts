/** The part of @xterm/addon-unicode11 the Worker uses, typed without its package's typings (they import @xterm/xterm's, which bring the DOM's lib and clash with the Workers runtime types). */
export declare class Unicode11Addon {
  activate(terminal: unknown): void;
  dispose(): void;
}
