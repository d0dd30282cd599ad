/** With ALLOWED_ORIGINS and PUBLIC_ORIGIN set: pages may be framed by the allowed embedder, and join links name the public origin whatever Host the request came with. */
import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import { api, startSession } from "../workers/helpers.ts";

it("lets the allowed origin frame the pages", async () => {
  const response = await exports.default.fetch(new Request("http://example.com/join"));
  expect(response.headers.get("Content-Security-Policy")).toContain(
    "frame-ancestors 'self' https://embedder.example",
  );
  await response.body?.cancel();
});

it("hands out join links on PUBLIC_ORIGIN, not on the request's Host", async () => {
  const session = await startSession();
  const minted = await api("POST", `/api/sessions/${session.id}/tokens`, { role: "viewer" });
  const grant = (await minted.json()) as { url: string };
  expect(grant.url.startsWith("https://term.example.com/join#session=")).toBe(true);
  const created = await api("POST", "/api/sessions", {});
  const body = (await created.json()) as { writer: { url: string } };
  expect(new URL(body.writer.url).origin).toBe("https://term.example.com");
});
