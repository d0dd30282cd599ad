/** Test projects: "workers" runs inside workerd (vitest plugin), "node" runs the runner, client logic and end-to-end tests, "browser" drives Chromium. */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Secrets for tests only; real ones come from the environment or .dev.vars. */
const TEST_SECRETS = {
  API_TOKEN: "test-api-token",
  SESSION_SECRET: "test-session-secret",
};

function workersProject(name: string, include: string[], vars: Record<string, string> = {}) {
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: { bindings: { ...TEST_SECRETS, ...vars } },
      }),
    ],
    test: { name, include },
  };
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      workersProject("workers", ["test/workers/**/*.test.ts"]),
      // A small history cap, so trimming is tested without writing megabytes.
      workersProject("workers-small-history", ["test/workers-small-history/**/*.test.ts"], {
        HISTORY_CAP_BYTES: "65536",
      }),
      // An embedding deployment: another site frames the panel, links name the public origin.
      workersProject("workers-configured", ["test/workers-configured/**/*.test.ts"], {
        ALLOWED_ORIGINS: "https://embedder.example",
        PUBLIC_ORIGIN: "https://term.example.com",
      }),
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          pool: "forks",
        },
      },
      // Real Chromium against the real stack (scripts/ensure-test-packages.ts installs it).
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          pool: "forks",
          fileParallelism: false,
        },
      },
    ],
  },
});
