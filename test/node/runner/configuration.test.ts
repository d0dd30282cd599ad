/** Unit tests of configuration: flags, edge URLs, and what each shell's environment contains. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseCli } from "../../../pty-runner/cli-args.ts";
import {
  ConfigError,
  controlUrl,
  resolveRunnerOptions,
  sessionUrl,
} from "../../../pty-runner/options.ts";
import { planSession } from "../../../pty-runner/session-plan.ts";
import { shellKind } from "../../../pty-runner/shell-integration.ts";

/** A well-formed credential for host "build-01" (the secret is 43 base64url characters). */
const CREDENTIAL = `whc1.default.build-01.${"a".repeat(43)}`;

describe("flags", () => {
  test("the token comes from RUNNER_TOKEN when --token is absent, and a flag wins over it", () => {
    const fromEnv = parseCli(["--url", "https://e.example"], { RUNNER_TOKEN: "env-token" });
    expect(fromEnv).toMatchObject({ kind: "run", options: { token: "env-token" } });
    const fromFlag = parseCli(["--url", "https://e.example", "--token", "flag"], {
      RUNNER_TOKEN: "env",
    });
    expect(fromFlag).toMatchObject({ kind: "run", options: { token: "flag" } });
  });

  test("--token-file reads the credential from a file, or from standard input with -", () => {
    const dir = mkdtempSync(join(tmpdir(), "pty-runner-token-"));
    const file = join(dir, "credential");
    writeFileSync(file, `${CREDENTIAL}\n`, { mode: 0o600 });
    const fromFile = parseCli(["--url", "https://e.example", "--token-file", file], {
      RUNNER_TOKEN: "env",
    });
    expect(fromFile).toMatchObject({ kind: "run", options: { token: CREDENTIAL } });
    expect(() => parseCli(["--url", "https://e", "--token-file", join(dir, "none")], {})).toThrow(
      /cannot read --token-file/,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  test("a credential names its host: that is the default --host, and another --host is refused before connecting", () => {
    const parsed = parseCli(["--url", "https://e.example", "--token", CREDENTIAL], {});
    expect(parsed).toMatchObject({ options: { host: "build-01" } });
    expect(() =>
      parseCli(["--url", "https://e.example", "--token", CREDENTIAL, "--host", "other"], {}),
    ).toThrow('this credential is for host "build-01", not "other"');
  });

  test("--env-allow takes a comma list and --max-sessions a whole number", () => {
    const command = parseCli(
      ["--url", "https://e.example", "--env-allow", "PATH, LANG,LC_* ,", "--max-sessions", "7"],
      { RUNNER_TOKEN: "t" },
    );
    expect(command).toMatchObject({
      options: { envAllow: ["PATH", "LANG", "LC_*"], maxSessions: 7 },
    });
    expect(() =>
      parseCli(["--url", "https://e", "--max-sessions", "0"], { RUNNER_TOKEN: "t" }),
    ).toThrow(ConfigError);
    expect(() =>
      parseCli(["--url", "https://e", "--max-sessions", "2.5"], { RUNNER_TOKEN: "t" }),
    ).toThrow(ConfigError);
  });

  test("the shell defaults to $SHELL", () => {
    const command = parseCli(["--url", "https://e.example"], {
      RUNNER_TOKEN: "t",
      SHELL: "/bin/sh",
    });
    expect(command).toMatchObject({ options: { shell: "/bin/sh" } });
  });
});

describe("edge URLs", () => {
  test("http(s) becomes ws(s), a path prefix is kept and the host is encoded", () => {
    expect(controlUrl("https://term.example.com/", "box-1")).toBe(
      "wss://term.example.com/api/runners/box-1/connect",
    );
    expect(controlUrl("http://127.0.0.1:8787/prefix/", "a.b")).toBe(
      "ws://127.0.0.1:8787/prefix/api/runners/a.b/connect",
    );
    expect(sessionUrl("wss://e.example", "id/with?odd")).toBe(
      "wss://e.example/api/sessions/id%2Fwith%3Fodd/runner",
    );
  });

  test("URLs with credentials, queries or other schemes are refused", () => {
    for (const url of ["ftp://e", "https://u:p@e", "https://e/?x=1", "not a url"]) {
      expect(() => resolveRunnerOptions({ url, token: "t" })).toThrow(ConfigError);
    }
  });

  test("a token that cannot travel as a subprotocol is refused before connecting", () => {
    expect(() => resolveRunnerOptions({ url: "https://e", token: "has space" })).toThrow(
      /subprotocol/,
    );
    expect(() => resolveRunnerOptions({ url: "https://e", token: "a,b" })).toThrow(ConfigError);
  });
});

describe("session environment", () => {
  const defaults = { cwd: homedir(), shell: "/bin/bash", envAllow: ["PATH", "LC_*"] };
  const runnerEnv = {
    PATH: "/usr/bin",
    LC_ALL: "C.UTF-8",
    SECRET: "s3cret",
    RUNNER_TOKEN: "tok",
    TERM: "dumb",
  };

  test("shells get the allowed variables, the session's own, and never the runner's secrets", () => {
    const result = planSession(
      { sessionId: "s1", cols: 100, rows: 30, cwd: null, env: { EDITOR: "vi", PATH: "/opt/bin" } },
      { ...defaults, envAllow: [...defaults.envAllow, "RUNNER_TOKEN"] },
      runnerEnv,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { env } = result.plan;
    expect(env).toMatchObject({
      PATH: "/opt/bin",
      LC_ALL: "C.UTF-8",
      EDITOR: "vi",
      SHELL: "/bin/bash",
    });
    expect(env.TERM).toBe("xterm-256color");
    expect(env.COLORTERM).toBe("truecolor");
    expect(env.SECRET).toBeUndefined();
    expect(env.RUNNER_TOKEN).toBeUndefined();
    expect(env.HOME).toBe(homedir());
  });

  test("a bad size falls back to 80x24 with a warning; sizes out of range are clamped", () => {
    const bad = planSession(
      { sessionId: "s", cols: "wide", rows: 24, cwd: null, env: {} },
      defaults,
      runnerEnv,
    );
    expect(bad.ok && bad.plan.size).toEqual({ cols: 80, rows: 24 });
    expect(bad.ok && bad.plan.warnings[0]).toContain("cols must be a finite number");
    const big = planSession(
      { sessionId: "s", cols: 5000, rows: 0, cwd: null, env: {} },
      defaults,
      runnerEnv,
    );
    expect(big.ok && big.plan.size).toEqual({ cols: 1000, rows: 1 });
  });

  test("cwd may be absolute, ~-relative, or relative to the default; a missing one is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    const cwdOf = (cwd: unknown) => {
      const result = planSession(
        { sessionId: "s", cols: 80, rows: 24, cwd, env: {} },
        { ...defaults, cwd: dir },
        {},
      );
      return result.ok ? result.plan.cwd : result.error;
    };
    expect(cwdOf("/tmp")).toBe("/tmp");
    expect(cwdOf("~")).toBe(homedir());
    expect(cwdOf(".")).toBe(dir);
    expect(cwdOf(null)).toBe(dir);
    expect(cwdOf("/definitely/missing")).toContain("does not exist on this host");
    expect(cwdOf(42)).toContain("cwd must be a string");
  });
});

test("bash and zsh are recognised by name, wherever they live", () => {
  expect(shellKind("/usr/local/bin/bash")).toBe("bash");
  expect(shellKind("/opt/homebrew/bin/bash-5.2")).toBe("bash");
  expect(shellKind("/bin/zsh")).toBe("zsh");
  expect(shellKind("/bin/sh")).toBe("other");
  expect(shellKind("/usr/bin/bashful")).toBe("other");
});
