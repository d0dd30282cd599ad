/** The one protocol module every side (worker, session object, runner, client) imports. */
export * from "./version.ts";
export * from "./close-codes.ts";
export * from "./limits.ts";
export * from "./terminal-size.ts";
export * from "./binary-frames.ts";
export * from "./messages.ts";
export * from "./http-api.ts";
export * from "./join-link.ts";
export * from "./host-name.ts";
export * from "./host-credential.ts";
export * from "./token-expiry.ts";
export * from "./utf8-whole.ts";
