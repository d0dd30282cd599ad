/** Every response carries the security headers: the pages (served through the Worker), their assets, and the API. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "./helpers.ts";

const page = (path: string) => exports.default.fetch(new Request(`http://example.com${path}`));

describe("security headers", () => {
  it("the console and join pages allow scripts from this origin only and framing by this origin only", async () => {
    for (const path of ["/", "/join"]) {
      const response = await page(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("Content-Type")).toContain("text/html");
      const csp = response.headers.get("Content-Security-Policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
      await response.body?.cancel();
    }
  });

  it("assets get them too, and API answers are never cached", async () => {
    const html = await (await page("/")).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await page(script);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("X-Content-Type-Options")).toBe("nosniff");
    await asset.body?.cancel();

    const hosts = await api("GET", "/api/hosts");
    expect(hosts.headers.get("Cache-Control")).toBe("no-store");
    expect(hosts.headers.get("Content-Security-Policy")).toContain("default-src 'self'");
    const missing = await api("GET", "/api/nothing-here");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("X-Content-Type-Options")).toBe("nosniff");
    await hosts.body?.cancel();
    await missing.body?.cancel();
  });
});
