/** The runner's own version, reported to the hub in `hello` and printed at start-up. */

/** Kept equal to package.json's version; scripts/build-runner.mjs refuses to build if they differ. */
export const RUNNER_VERSION = "0.1.0";
