/** The MCP configuration snippets in docs/agent-api.md point at what the server accepts: the /mcp path over HTTP and a Bearer API key, and the SDK modules the TypeScript one imports exist. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const doc = readFileSync(join(ROOT, "docs", "agent-api.md"), "utf8");
const mcp = doc.slice(doc.indexOf("## MCP"));
const blocks = (lang: string) =>
  [...mcp.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);

describe("the MCP section of docs/agent-api.md", () => {
  it("configures every JSON client with the /mcp URL and a Bearer Authorization header", () => {
    const configs = blocks("json").map((text) => JSON.parse(text));
    expect(configs).toHaveLength(2);
    for (const config of configs) {
      const servers = config.servers ?? config.mcpServers;
      const server = servers["edge-terminal"];
      expect(new URL(server.url).pathname).toBe("/mcp");
      expect(server.headers.Authorization).toMatch(/^Bearer \S+$/);
      if (config.servers) expect(server.type).toBe("http");
    }
  });

  it("gives Claude Code the HTTP transport, the /mcp URL and the header", () => {
    const [command] = blocks("sh");
    expect(command).toMatch(/claude mcp add --transport http edge-terminal https:\/\/\S+\/mcp/);
    expect(command).toContain('--header "Authorization: Bearer $EDGE_API_KEY"');
  });

  it("imports, in the TypeScript example, modules the SDK has", async () => {
    const [code] = blocks("ts");
    const modules = [...code!.matchAll(/from "([^"]+)"/g)].map((m) => m[1]!);
    expect(modules).toHaveLength(2);
    for (const module of modules) await expect(import(module)).resolves.toBeTruthy();
  });
});
