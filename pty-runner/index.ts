/** The runner's programmatic API, for scripts and tests: `startRunner(options)` and its types. */
export { startRunner } from "./runner.ts";
export type { Runner, RunnerStopReason } from "./runner.ts";
export { ConfigError, DEFAULT_ENV_ALLOW, defaultRunnerOptions } from "./options.ts";
export type { RunnerOptions, RunnerOptionsInput } from "./options.ts";
export type { SessionStats } from "./session.ts";
export type { Logger } from "./log.ts";
export { CONSOLE_LOGGER, SILENT_LOGGER } from "./log.ts";
export { RUNNER_VERSION } from "./version.ts";
