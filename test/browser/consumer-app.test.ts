/**
 * The client as a library: the packed tarball of `@edge-web-terminal/client` installed into a tiny
 * vite app outside the repository (test/fixtures/consumer-app), typechecked and built there, served
 * from another origin than the edge's, and driven in Chromium against the real stack.
 * Needs the library built (`npm run build:client`).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, posix } from "node:path";
import { promisify } from "node:util";
import { SignJWT } from "jose";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { joinLink, type CommandRecord } from "../../protocol/index.ts";
import { launchChromium, newTestContext } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { mintJoinUrl, openSession, recordSockets } from "../harness/join-page.ts";
import { PANEL, poll, typeLine, waitForPanelState, waitForRow } from "../harness/terminal-page.ts";

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url).pathname;
const CLIENT = join(ROOT, "client");
const FIXTURE = join(ROOT, "test/fixtures/consumer-app");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

/** What `npm pack --json` reports for one tarball. */
interface PackReport {
  filename: string;
  files: { path: string }[];
}

/** The client's package.json, as packed. */
interface Manifest {
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

let work: string;
let pack: PackReport;
let consumer: string;
let installed: string;
let site: Server;
let origin: string;
let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
let joinSecret: string | undefined;

beforeAll(async () => {
  assertLibraryBuilt();
  work = mkdtempSync(join(tmpdir(), "webterm-consumer-"));
  const { stdout } = await run(
    "npm",
    ["pack", "--workspace", "client", "--pack-destination", work, "--json"],
    { cwd: ROOT },
  );
  pack = (JSON.parse(stdout) as PackReport[])[0]!;

  // A product's app: its own folder, the tarball and vite from the registry (npm's cache).
  consumer = join(work, "app");
  cpSync(FIXTURE, consumer, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(CLIENT, "package.json"), "utf8")) as Manifest;
  const vite = JSON.parse(readFileSync(join(ROOT, "node_modules/vite/package.json"), "utf8"));
  await writeFile(
    join(consumer, "package.json"),
    JSON.stringify({
      name: "webterm-consumer",
      private: true,
      type: "module",
      dependencies: {
        "@edge-web-terminal/client": `file:${join(work, pack.filename)}`,
        preact: manifest.peerDependencies.preact,
      },
      devDependencies: { vite: vite.version },
    }),
  );
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: consumer });
  installed = join(consumer, "node_modules/@edge-web-terminal/client");
  await run(process.execPath, [join(consumer, "node_modules/vite/bin/vite.js"), "build"], {
    cwd: consumer,
  });

  // Served from its own origin: the edge accepts its joins only because ALLOWED_ORIGINS says so.
  site = await serve(join(consumer, "dist"));
  const address = site.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  [stack, browser] = await Promise.all([
    startStack({ vars: { ALLOWED_ORIGINS: origin } }),
    launchChromium(),
  ]);
}, 240_000);

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  // No uncaught error in any page the test opened.
  expect(pageErrors.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await new Promise((resolve) => (site ? site.close(resolve) : resolve(null)));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the package", () => {
  it("holds the bundle, one stylesheet and declarations: no sources, no tests", () => {
    const paths = pack.files.map((file) => file.path).sort();
    expect(paths).toContain("package.json");
    expect(paths).toContain("lib/index.js");
    expect(paths.filter((path) => path.endsWith(".css"))).toEqual(["lib/style.css"]);
    expect(paths.filter((path) => path.endsWith(".js"))).toEqual(["lib/index.js"]);
    expect(paths).toContain("lib/types/client/src/index.d.ts");
    const sources = paths.filter(
      (path) => /\.(tsx?|jsx|mts|cts)$/.test(path) && !/\.d\.ts$/.test(path),
    );
    expect(sources).toEqual([]);
    expect(
      paths.filter(
        (path) =>
          /(^|\/)(test|tests|__tests__|src\/demo|src\/join)\//.test(path) || /\.test\./.test(path),
      ),
    ).toEqual([]);
    expect(paths.every((path) => path === "package.json" || path.startsWith("lib/"))).toBe(true);
  });

  it("its exports name files it has; every import in it resolves inside it or to a declared dependency", () => {
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as Manifest;
    const root = manifest.exports["."] as Record<string, string>;
    for (const target of [root.types!, root.import!, manifest.exports["./style.css"] as string]) {
      expect(statSync(join(installed, target)).isFile(), target).toBe(true);
    }
    const declared = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies),
    ]);
    const files = readdirSync(join(installed, "lib"), { recursive: true, encoding: "utf8" })
      .filter((name) => name.endsWith(".js") || name.endsWith(".d.ts"))
      .map((name) => posix.join("lib", name));
    expect(files.filter((file) => file.endsWith(".d.ts")).length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(installed, file), "utf8");
      for (const [, specifier] of text.matchAll(
        /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g,
      )) {
        if (specifier!.startsWith(".")) {
          // A declaration imports "./x.js": the x.d.ts next to it provides the types.
          const target = posix.join(posix.dirname(file), specifier!);
          const candidates = file.endsWith(".d.ts") ? [target.replace(/\.js$/, ".d.ts")] : [target];
          if (!specifier!.endsWith(".js") || !candidates.some((c) => exists(join(installed, c))))
            problems.push(`${file}: ${specifier}`);
        } else {
          const name = specifier!.startsWith("@")
            ? specifier!.split("/").slice(0, 2).join("/")
            : specifier!.split("/")[0]!;
          if (!declared.has(name)) problems.push(`${file}: ${specifier} (not a dependency)`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Dependencies stay imports, not copies: the bundle imports each of them.
    const bundle = readFileSync(join(installed, root.import!), "utf8");
    const imported = [...bundle.matchAll(/^import\b[^"']*["']([^"']+)["']/gm)].map(([, s]) => s!);
    for (const name of declared) {
      expect(
        imported.some((s) => s === name || s.startsWith(`${name}/`)),
        name,
      ).toBe(true);
    }
  });

  it("typechecks in the app (strict, library files checked too), with real types rather than any", async () => {
    // types-probe.ts has @ts-expect-error lines that only hold if the declarations resolve.
    const result = await run(process.execPath, [TSC, "-p", join(consumer, "tsconfig.json")], {
      cwd: consumer,
    }).catch((error: { stdout: string }) => ({ stdout: error.stdout, failed: true }));
    expect(result.stdout).toBe("");
    expect("failed" in result).toBe(false);
  });
});

describe("mountTerminal in the consumer app", () => {
  it("joins from a join link: status events reach live, output shows, typing works, the stylesheet applies", async () => {
    const session = await openSession(stack, "echo hello-from-consumer");
    const { page } = await openApp({ join: session.result.viewer.url });
    await waitForPanelState(page, "live");
    await waitForRow(page, "hello-from-consumer");
    const log = await readLog(page);
    expect(log.statuses[0]).toBe("connecting");
    expect(log.statuses).toContain("live");
    expect(log.removed).toBe(0);

    await typeLine(page, "echo typed-$((40+2))");
    await waitForRow(page, "typed-42");

    // The library's rules and xterm's, from the one stylesheet the app imported.
    const styles = await page.evaluate((panel) => {
      const root = document.querySelector(panel)!;
      const helper = document.querySelector(".xterm-helper-textarea")!;
      return {
        display: getComputedStyle(root).display,
        radius: getComputedStyle(root).borderTopLeftRadius,
        helperOpacity: getComputedStyle(helper).opacity,
      };
    }, PANEL);
    expect(styles).toEqual({ display: "flex", radius: "10px", helperOpacity: "0" });
  });

  it("update({ token }) hands a new token to the open socket: it outlives the first token's expiry", async () => {
    const { sessionId } = await openSession(stack, null);
    const expiresIn = 6;
    const expiry = Date.now() + expiresIn * 1000;
    const { page, sockets } = await openApp({
      join: joinLink(stack.url, { sessionId, token: await mintJwt(sessionId, expiresIn) }),
    });
    await waitForPanelState(page, "live");
    const fresh = new URL(await mintJoinUrl(stack, sessionId, "writer")).hash;
    const token = new URLSearchParams(fresh.slice(1)).get("token")!;
    const before = (await readLog(page)).statuses.length;
    await page.evaluate((value) => window.consumer.terminal!.update({ token: value }), token);

    await new Promise((resolve) => setTimeout(resolve, expiry + 3000 - Date.now()));
    expect((await readLog(page)).statuses.slice(before)).toEqual([]);
    expect(await page.getAttribute(PANEL, "data-state")).toBe("live");
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.closed).toBe(false);
    await typeLine(page, "echo renewed-$((40+2))");
    await waitForRow(page, "renewed-42");
  }, 60_000);

  it("getToken: fresh tokens from the app before each expiry keep the one socket live", async () => {
    const { sessionId } = await openSession(stack, null);
    const context = await newTestContext(browser);
    contexts.push(context);
    let minted = 0;
    await context.exposeFunction("mintToken", () => (minted++, mintJwt(sessionId, 5)));
    const { page, sockets } = await openApp(
      { join: joinLink(stack.url, { sessionId, token: await mintJwt(sessionId, 5) }), renew: "" },
      context,
    );
    await waitForPanelState(page, "live");
    const before = (await readLog(page)).statuses.length;
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect((await readLog(page)).statuses.slice(before)).toEqual([]);
    expect(minted).toBeGreaterThanOrEqual(2);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.closed).toBe(false);
  }, 60_000);

  it("update({ fontSize, theme }) applies at once; update({ url }) with another session's link opens that one", async () => {
    const first = await openSession(stack, null);
    const { page } = await openApp({ join: first.result.viewer.url });
    await waitForPanelState(page, "live");
    const look = () =>
      page.evaluate((panel) => {
        const rows = document.querySelector(`${panel} .xterm-rows`)!;
        return {
          fontSize: getComputedStyle(rows).fontSize,
          foreground: getComputedStyle(rows).color,
          background: getComputedStyle(document.querySelector(panel)!).backgroundColor,
          rows: rows.children.length,
        };
      }, PANEL);
    const initial = await look();
    expect(initial.fontSize).toBe("14px");

    await page.evaluate(() =>
      window.consumer.terminal!.update({ fontSize: 22, theme: { background: "#fdf6e3" } }),
    );
    const changed = await poll(
      async () => {
        const now = await look();
        return now.fontSize === "22px" && now.rows < initial.rows ? now : null;
      },
      "22px text in fewer rows",
      5000,
    );
    // The colours given replace the default theme's; the others stay.
    expect(changed.background).toBe("rgb(253, 246, 227)");
    expect(changed.foreground).toBe(initial.foreground);

    const second = await openSession(stack, "echo second-session");
    const statuses = (await readLog(page)).statuses.length;
    await page.evaluate(
      (url) => window.consumer.terminal!.update({ url }),
      second.result.viewer.url,
    );
    await page.waitForSelector(`${PANEL}[data-session-id="${second.sessionId}"]`);
    await waitForPanelState(page, "live");
    await waitForRow(page, "second-session");
    expect((await readLog(page)).statuses.slice(statuses)).toContain("live");
    expect((await look()).fontSize).toBe("22px");
  });

  it("colorScheme overrides the system's preference and update({ colorScheme }) switches at once; theme colours lay over the chosen scheme", async () => {
    const session = await openSession(stack, null);
    const context = await newTestContext(browser);
    contexts.push(context);
    const { page } = await openApp({ join: session.result.viewer.url }, context);
    await page.emulateMedia({ colorScheme: "light" });
    await waitForPanelState(page, "live");
    const look = () =>
      page.evaluate(
        (panel) => ({
          scheme: document.querySelector(panel)!.getAttribute("data-scheme"),
          background: getComputedStyle(
            document.querySelector(`${panel} .xterm-scrollable-element`)!,
          ).backgroundColor,
          foreground: getComputedStyle(document.querySelector(`${panel} .xterm-rows`)!).color,
        }),
        PANEL,
      );
    // No option: the system's light preference.
    expect(await look()).toMatchObject({ scheme: "light", background: "rgb(255, 255, 255)" });
    await page.evaluate(() => window.consumer.terminal!.update({ colorScheme: "dark" }));
    await poll(
      async () => (await look()).background === "rgb(13, 17, 23)",
      "the dark scheme",
      5000,
    );
    expect((await look()).scheme).toBe("dark");
    await page.evaluate(() =>
      window.consumer.terminal!.update({ colorScheme: "light", theme: { background: "#fdf6e3" } }),
    );
    const overlaid = await poll(
      async () => ((await look()).background === "rgb(253, 246, 227)" ? look() : null),
      "the theme's background over the light scheme",
      5000,
    );
    // The light scheme's foreground stays under the given background.
    expect(overlaid).toEqual({
      scheme: "light",
      background: "rgb(253, 246, 227)",
      foreground: "rgb(31, 35, 40)",
    });
  });

  it("emits exit with the shell's code when it exits, and again when joining the exited session", async () => {
    const session = await openSession(stack, null);
    const { page } = await openApp({ join: session.result.viewer.url });
    await waitForPanelState(page, "live");
    await typeLine(page, "exit 3");
    await poll(async () => (await readLog(page)).exits.length > 0, "an exit event");
    expect((await readLog(page)).exits).toEqual([{ code: 3, signal: null }]);
    await poll(
      async () => (await readLog(page)).statuses.at(-1) === "exited",
      () => "the status exited",
    );

    // Joined again, with the link's parts given one by one this time.
    const link = new URL(session.result.viewer.url);
    const parts = new URLSearchParams(link.hash.slice(1));
    const again = await openApp({
      server: link.origin,
      session: parts.get("session")!,
      token: parts.get("token")!,
    });
    await waitForPanelState(again.page, "exited");
    await poll(async () => (await readLog(again.page)).exits.length > 0, "an exit event on join");
    expect((await readLog(again.page)).exits).toEqual([{ code: 3, signal: null }]);
  });

  it("emits command when a command starts and when it ends, with the session's record of it", async () => {
    const session = await openSession(stack, null);
    const { page } = await openApp({ join: session.result.viewer.url });
    await waitForPanelState(page, "live");
    await typeLine(page, "echo seen; (exit 4)");
    await poll(
      async () => (await readLog(page)).commands.some((command) => command.end !== null),
      "a command event with the command's end",
    );
    const events = (await readLog(page)).commands;
    expect(events.map((c) => [c.number, c.text, c.source, c.end === null, c.exitCode])).toEqual([
      [1, "echo seen; (exit 4)", { kind: "writer" }, true, null],
      [1, "echo seen; (exit 4)", { kind: "writer" }, false, 4],
    ]);
    // The same record the API lists.
    const listed = await stack.api("GET", `/api/sessions/${session.sessionId}/commands`);
    expect((listed.body as { commands: unknown[] }).commands).toEqual([events[1]]);
    await waitForRow(page, "seen");
  });

  it("dispose() closes the socket, empties the element and ends the events", async () => {
    const session = await openSession(stack, "echo before-dispose");
    const { page, sockets } = await openApp({ join: session.result.viewer.url });
    await waitForPanelState(page, "live");
    await waitForRow(page, "before-dispose");
    expect(sockets).toHaveLength(1);
    const events = (await readLog(page)).statuses.length;

    await page.evaluate(() => window.consumer.terminal!.dispose());
    await poll(async () => sockets[0]!.closed, "the socket to close");
    expect(await page.evaluate(() => document.getElementById("terminal")!.childNodes.length)).toBe(
      0,
    );
    // Nothing comes back: no events, and update after dispose does nothing.
    await page.evaluate(() => window.consumer.terminal!.update({ fontSize: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await page.evaluate(() => document.getElementById("terminal")!.childNodes.length)).toBe(
      0,
    );
    expect((await readLog(page)).statuses.length).toBe(events);
    expect(sockets).toHaveLength(1);
  });
});

describe("the other exports in the consumer app", () => {
  it("TerminalPanel renders in the app's own Preact tree (one Preact: its hooks work)", async () => {
    const session = await openSession(stack, "echo hello-panel");
    const { page } = await openApp({ panel: session.result.viewer.url });
    await waitForPanelState(page, "live");
    await waitForRow(page, "hello-panel");
    await typeLine(page, "echo panel-$((40+2))");
    await waitForRow(page, "panel-42");
  });

  it("TerminalConnection alone gets the session's output", async () => {
    const session = await openSession(stack, "echo hello-connection");
    const { page } = await openApp({ connect: session.result.viewer.url });
    await poll(
      async () =>
        (await page.textContent('[data-testid="connection-output"]'))?.includes("hello-connection"),
      "the command's output",
    );
    expect((await readLog(page)).states).toContain("live");
    expect(await page.locator(PANEL).count()).toBe(0);
  });
});

// ----- Helpers ------------------------------------------------------------------------------

declare global {
  interface Window {
    consumer: {
      terminal: {
        update(options: Record<string, unknown>): void;
        dispose(): void;
      } | null;
      log: ConsumerLog;
    };
  }
}

/** What the consumer app logged (test/fixtures/consumer-app/main.ts). */
interface ConsumerLog {
  statuses: string[];
  exits: { code: number | null; signal: string | null }[];
  commands: CommandRecord[];
  states: string[];
  removed: number;
}

/** Opens the consumer app with `query` (in a fresh context by default); records its sockets and errors. */
async function openApp(query: Record<string, string>, context?: BrowserContext) {
  if (!context) {
    context = await newTestContext(browser);
    contexts.push(context);
  }
  const page: Page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const sockets = recordSockets(page);
  await page.goto(`${origin}/?${new URLSearchParams(query)}`);
  return { page, sockets };
}

/** A writer JWT for `sessionId` that expires in `seconds`, as a product's backend mints it. */
async function mintJwt(sessionId: string, seconds: number): Promise<string> {
  joinSecret ??= (await stack.api("POST", "/api/join-secret")).body.secret as string;
  return new SignJWT({ session: sessionId, role: "writer", tenant: "default" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(new TextEncoder().encode(joinSecret));
}

async function readLog(page: Page): Promise<ConsumerLog> {
  return page.evaluate(() => window.consumer.log);
}

/** Fails early, and says what to run, when lib/ is missing or older than what it is built from. */
function assertLibraryBuilt(): void {
  const bundle = join(CLIENT, "lib/index.js");
  if (!exists(bundle)) throw new Error("client/lib is missing: run `npm run build:client` first");
  const built = statSync(bundle).mtimeMs;
  const sources = [
    ...walk(join(CLIENT, "src")),
    ...walk(join(ROOT, "protocol")),
    join(CLIENT, "package.json"),
    join(CLIENT, "vite.lib.config.ts"),
  ];
  const newer = sources.filter((file) => statSync(file).mtimeMs > built);
  if (newer.length > 0) {
    throw new Error(
      `client/lib is older than ${newer.slice(0, 3).join(", ")}: run \`npm run build:client\``,
    );
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((file) => statSync(file).isFile());
}

function exists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
};

/** A static server for `dir` on 127.0.0.1 (a free port). */
async function serve(dir: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const file = join(dir, path === "/" ? "index.html" : path);
    if (!file.startsWith(dir) || !exists(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
