/** The runner's package name and version; the version is reported to the hub in `hello` and printed at start-up. */

/** Kept equal to package.json's version; scripts/build-runner.mjs refuses to build if they differ. */
export const RUNNER_VERSION = "0.1.0";

/** Kept equal to package.json's name (checked like the version): what `npx` installs. */
export const RUNNER_PACKAGE = "@edge-web-terminal/pty-runner";

/** The command that runs the runner without installing it first. */
export const RUNNER_COMMAND = `npx ${RUNNER_PACKAGE}`;
