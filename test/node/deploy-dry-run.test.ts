/** The same code deploys to Cloudflare unchanged: `wrangler deploy --dry-run` bundles the Worker, its three Durable Object classes and the client assets. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/lib/dev-stack.ts";

it("bundles for wrangler deploy with every Durable Object class and the built client", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "webterm-deploy-"));
  try {
    const wrangler = join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [wrangler, "deploy", "--dry-run", "--outdir", outdir],
      { cwd: PROJECT_ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
    );
    expect(stdout).toMatch(/env\.SESSIONS \(TerminalSession\)\s+Durable Object/);
    expect(stdout).toMatch(/env\.RUNNER_HUB \(RunnerHub\)\s+Durable Object/);
    expect(stdout).toMatch(/env\.TENANT_DIRECTORY \(TenantDirectory\)\s+Durable Object/);
    expect(stdout).toMatch(/Read \d+ files from the assets directory/);
    const bundle = readFileSync(join(outdir, "index.js"), "utf8");
    expect(bundle).toMatch(/TerminalSession = class extends/);
    // Well under Cloudflare's 3 MiB (free plan) Worker size limit.
    expect(bundle.length).toBeLessThan(3 * 1024 * 1024);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 120_000);
