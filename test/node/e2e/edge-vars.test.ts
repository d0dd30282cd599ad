/** Vars given to the local edge (as the bench and tests do) reach the Worker; the shell's secrets do not override the edge's. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";

let stack: Stack;
beforeAll(async () => {
  process.env.API_TOKEN = "stale-token-exported-in-the-shell";
  try {
    stack = await startStack({ vars: { PUBLIC_ORIGIN: "https://term.example.test" } });
  } finally {
    delete process.env.API_TOKEN;
  }
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

it("a var set at start-up (PUBLIC_ORIGIN) shapes the links the API hands out", async () => {
  const result = await stack.api("POST", "/api/tools/interactive_shell", {
    initial_command: "true",
  });
  expect(result.status).toBe(200);
  expect(result.body.viewer.url).toMatch(/^https:\/\/term\.example\.test\/join/);
});

it("the edge's API token is the stack's own, not the one exported in the shell", async () => {
  const response = await fetch(`${stack.url}/api/hosts`, {
    headers: { authorization: "Bearer stale-token-exported-in-the-shell" },
  });
  expect(response.status).toBe(401);
});
