/** Bundles the pty-runner CLI (pty-runner/cli.ts) into one executable file: dist/pty-runner.mjs. */
import { chmodSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "dist", "pty-runner.mjs");

// The version the runner reports in `hello` must be the package's.
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const source = readFileSync(join(root, "pty-runner", "version.ts"), "utf8");
const declared = /RUNNER_VERSION = "([^"]+)"/.exec(source)?.[1];
if (declared !== pkg.version) {
  console.error(
    `pty-runner/version.ts says ${declared} but package.json says ${pkg.version}; make them equal.`,
  );
  process.exit(1);
}

await build({
  entryPoints: [join(root, "pty-runner", "cli.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  // The runner must run on the machines' Node 20 (no global WebSocket: it uses `ws`).
  target: "node20",
  // node-pty is a native addon and cannot be bundled. ws stays external too: it is CommonJS with
  // optional native helpers, and bundling CommonJS into ESM needs a `require` shim; both
  // resolve from node_modules next to dist/ like node-pty.
  external: ["node-pty", "ws"],
  banner: { js: "#!/usr/bin/env node" },
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
console.log(`built ${outfile}`);
