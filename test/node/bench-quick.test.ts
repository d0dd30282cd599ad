/** The benchmark cannot rot: `npm run bench -- --quick` runs every scenario on the real stack and prints a table of finite numbers. */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/lib/dev-stack.ts";
import { SCENARIOS, type Row } from "../../scripts/bench/results.ts";

const dir = mkdtempSync(join(tmpdir(), "bench-quick-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `node scripts/bench.ts ...args`; resolves with its exit code and output. */
function runBench(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "scripts", "bench.ts"), ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

it(
  "the quick benchmark runs every scenario and prints a table whose figures are all finite numbers",
  { timeout: 240_000 },
  async () => {
    const json = join(dir, "bench.json");
    const { code, out } = await runBench(["--quick", "--json", json], 200_000);
    expect(code, out.slice(-4000)).toBe(0);
    for (const scenario of SCENARIOS) {
      expect(out, `a table row for ${scenario}`).toMatch(new RegExp(`^\\| ${scenario} \\|`, "m"));
    }
    const report = JSON.parse(readFileSync(json, "utf8")) as { rows: Row[] };
    for (const scenario of SCENARIOS) {
      const measured = report.rows.filter((r) => r.scenario === scenario && r.value !== null);
      expect(measured.length, `measured rows of ${scenario}`).toBeGreaterThan(0);
    }
    // The echo is split into its hops: the session's own round trip, the runner's, the echo's.
    const hops = report.rows.filter((r) => r.scenario === "echo" && r.measure.startsWith("hops:"));
    expect(hops.map((r) => r.measure.split(" p50")[0])).toEqual([
      "hops: viewer ⇄ session object",
      "hops: viewer → session → runner → session → viewer",
      "hops: keystroke echo",
    ]);
    for (const row of report.rows) {
      if (row.value === null) {
        // The only figures allowed to be missing: the tty-share comparison on a machine without it.
        expect(row.note, `${row.scenario}: ${row.measure}`).toMatch(/tty-share/);
      } else {
        expect(Number.isFinite(row.value), `${row.scenario}: ${row.measure} = ${row.value}`).toBe(
          true,
        );
      }
    }
  },
);
