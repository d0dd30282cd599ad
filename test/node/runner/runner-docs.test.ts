/**
 * What the runner's help, messages and docs say about its command line is what the command accepts:
 * --help is written from the parser's own table, every command line in the docs parses with the real
 * parser, and the systemd unit and launchd plist in docs/runner.md are well-formed and use real flags.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ENV_VARS, EXIT_CODES, FLAGS, helpText, parseCli } from "../../../pty-runner/cli-args.ts";
import type { CliCommand } from "../../../pty-runner/cli-args.ts";
import { DEFAULT_ENV_ALLOW, defaultRunnerOptions } from "../../../pty-runner/options.ts";
import { RUNNER_COMMAND, RUNNER_PACKAGE } from "../../../pty-runner/version.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const BUNDLE = join(ROOT, "pty-runner", "dist", "pty-runner.mjs");
/** A well-formed credential for host "build-box" (the secret is 43 base64url characters). */
const CREDENTIAL = `whc1.default.build-box.${"a".repeat(43)}`;

const scratch = mkdtempSync(join(tmpdir(), "pty-runner-docs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A file holding CREDENTIAL, standing in for whatever credential file a doc names. */
const credentialFile = join(scratch, "credential");
writeFileSync(credentialFile, `${CREDENTIAL}\n`, { mode: 0o600 });

/** Long flag names (with their leading dashes) in `words`. */
const flagsIn = (words: string[]) => words.filter((word) => /^--?[a-z]/.test(word));
const REAL_FLAGS = new Set(
  Object.entries(FLAGS).flatMap(([name, flag]) => [
    `--${name}`,
    ...("short" in flag ? [`-${flag.short}`] : []),
  ]),
);

/** Parses a documented argument list with the CLI's parser; --token-file gets a real file. */
function parseDocumented(args: string[], env: NodeJS.ProcessEnv = {}): CliCommand {
  const replaced = args.map((arg, i) => (args[i - 1] === "--token-file" ? credentialFile : arg));
  return parseCli(replaced, env);
}

describe("--help and the parser share one table", () => {
  const help = helpText();

  test("--help lists every flag the parser accepts, and names no other", () => {
    for (const [name, flag] of Object.entries(FLAGS)) {
      expect(help).toContain(`--${name}`);
      if ("short" in flag) expect(help).toContain(`-${flag.short}, --${name}`);
    }
    // Every -x / --xyz it mentions (bar npm's own -g in "npm install -g") is one of them.
    const named = new Set(
      help.replaceAll(`npm install -g ${RUNNER_PACKAGE}`, "").match(/(?<![\w-])--?[a-z][a-z-]*/g),
    );
    for (const flag of named) expect(REAL_FLAGS, `${flag} in --help`).toContain(flag);
  });

  test("--help lists every environment variable the parser reads", () => {
    const read = new Set<string>();
    const recording = new Proxy({ RUNNER_TOKEN: "t" } as NodeJS.ProcessEnv, {
      get(target, name) {
        if (typeof name === "string") read.add(name);
        return target[name as string];
      },
    });
    parseCli(["--url", "https://e.example"], recording);
    expect([...read].sort()).toEqual(Object.keys(ENV_VARS).sort());
    for (const name of Object.keys(ENV_VARS)) expect(help).toMatch(new RegExp(`^  ${name} `, "m"));
  });

  test("--help names the command people run, and every exit code", () => {
    expect(help).toContain(`${RUNNER_COMMAND} --url`);
    expect(help).toContain(`npm install -g ${RUNNER_PACKAGE}`);
    for (const code of Object.values(EXIT_CODES))
      expect(help).toMatch(new RegExp(`^  ${code}  `, "m"));
  });

  test("the package name in the help is the package's", () => {
    expect(JSON.parse(read("pty-runner/package.json")).name).toBe(RUNNER_PACKAGE);
  });
});

describe("docs and messages name the real command", () => {
  const DOCS = ["README.md", "docs/runner.md", "pty-runner/README.md"];

  test("no doc tells people to copy the bundle, compile node-pty or run node on dist/", () => {
    for (const path of DOCS) {
      const text = read(path);
      for (const stale of [
        /node (dist\/)?pty-runner\.mjs/,
        /npm install node-pty/,
        /C\+\+ toolchain/,
        /copy dist\//,
      ]) {
        expect(text, `${path} says ${stale}`).not.toMatch(stale);
      }
    }
  });

  test("every runner command line in the docs parses with the CLI's parser", () => {
    let lines = 0;
    for (const path of DOCS) {
      const text = read(path);
      // `npx @edge-web-terminal/pty-runner …` and the installed `pty-runner --…`, up to the end of
      // the line or of the inline code span, with an optional RUNNER_TOKEN=… before it.
      const pattern = new RegExp(
        `(RUNNER_TOKEN=\\S+ )?(?:${RUNNER_COMMAND.replace(/[/.]/g, "\\$&")}|(?<![\\w/@.-])pty-runner)( --[^\`\\n]*)`,
        "g",
      );
      for (const match of text.matchAll(pattern)) {
        const args = match[2]!.trim().split(/\s+/);
        if (args[0] === "--workspace") continue; // npm pack --workspace pty-runner
        expect(args, `${path}: ${match[0]}`).toContain("--url");
        for (const flag of flagsIn(args)) expect(REAL_FLAGS, `${path}: ${flag}`).toContain(flag);
        const env = match[1] ? { RUNNER_TOKEN: CREDENTIAL } : {};
        expect(parseDocumented(args, env).kind, `${path}: ${match[0]}`).toBe("run");
        lines++;
      }
    }
    expect(lines).toBeGreaterThanOrEqual(5);
  });

  test("the edge's messages about a missing runner say how to start it", () => {
    for (const path of [
      "durable-objects/runner-hub/runner-hub.ts",
      "durable-objects/terminal-session/tool-calls.ts",
    ]) {
      const text = read(path);
      expect(text).toContain(RUNNER_COMMAND);
      // Every mention of the runner in them is the command that exists.
      const mentions = [...text.matchAll(/\S*pty-runner/g)].map((m) => m[0]);
      expect(
        mentions.filter((m) => !m.endsWith(RUNNER_PACKAGE)),
        path,
      ).toEqual([]);
    }
  });

  test("the package README's flag table is the parser's table, with its defaults", () => {
    const text = read("pty-runner/README.md");
    const rows = [...text.matchAll(/^\| `([^`]+)`\s*\|([^|]*)\|/gm)].map((m) => [m[1]!, m[2]!]);
    const documented = rows.flatMap(([label]) => flagsIn(label!.replace(",", "").split(" ")));
    expect(new Set(documented)).toEqual(REAL_FLAGS);
    const meaning = Object.fromEntries(rows.map(([label, text]) => [label!.split(" ")[0], text!]));
    expect(meaning["--max-sessions"]).toContain(`Default: ${defaultRunnerOptions().maxSessions}.`);
    expect(meaning["--env-allow"]).toContain(`\`${DEFAULT_ENV_ALLOW.join(",")}\``);
    expect(text).toMatch(
      new RegExp(
        `Exit codes: ${EXIT_CODES.OK} stopped .*${EXIT_CODES.FAILED} unexpected failure, ${EXIT_CODES.BAD_CONFIGURATION} bad flags.*\\s${EXIT_CODES.REFUSED_BY_EDGE}\\s`,
        "s",
      ),
    );
  });

  test("the README's optional ways of running name what exists", () => {
    const text = read("pty-runner/README.md");
    expect(text).toContain(`npm install -g ${RUNNER_PACKAGE}`);
    const version = JSON.parse(read("pty-runner/package.json")).version;
    // `npm pack` names the tarball edge-web-terminal-pty-runner-<version>.tgz (the package test packs it).
    expect(text).toContain("edge-web-terminal-pty-runner-<version>.tgz");
    expect(`${RUNNER_PACKAGE.replace("@", "").replace("/", "-")}-${version}.tgz`).toBe(
      `edge-web-terminal-pty-runner-${version}.tgz`,
    );
    expect(read("package.json")).toContain('"build:runner": "node scripts/build-runner.mjs"');
  });
});

/** The fenced block of `language` that follows `marker` in `text`. */
function blockAfter(text: string, marker: string, language: string): string {
  const from = text.indexOf(marker);
  expect(from, marker).toBeGreaterThanOrEqual(0);
  const match = new RegExp("```" + language + "\\n([\\s\\S]*?)```").exec(text.slice(from));
  expect(match, `a ${language} block after ${marker}`).not.toBeNull();
  return match![1]!;
}

describe("running it as a service (docs/runner.md)", () => {
  const doc = read("docs/runner.md");
  const service = doc.slice(doc.indexOf("### As a service"));

  test("the credential goes into a file only root can read, as the commands show", () => {
    const commands = blockAfter(service, "### As a service", "sh")
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter(Boolean);
    expect(commands).toEqual([
      "sudo install -d -m 700 /etc/pty-runner",
      "… | sudo install -m 600 /dev/stdin /etc/pty-runner/credential",
    ]);
    const etc = join(scratch, "etc-pty-runner");
    const script = commands
      .map((line) => line.replace(/^… \|/, `printf '%s\\n' "${CREDENTIAL}" |`))
      .map((line) => line.replaceAll("sudo ", "").replaceAll("/etc/pty-runner", etc))
      .join("\n");
    execFileSync("sh", ["-e", "-c", script]);
    expect(statSync(etc).mode & 0o777).toBe(0o700);
    expect(statSync(join(etc, "credential")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(etc, "credential"), "utf8")).toBe(`${CREDENTIAL}\n`);
  });

  describe("the systemd unit", () => {
    // Read in a hook: a doc that lost its unit fails the tests, not the collection (which would skip cleanup).
    let unitText = "";
    let unit = new Map<string, Map<string, string[]>>();
    let serviceSection = new Map<string, string[]>();
    beforeAll(() => {
      unitText = blockAfter(service, "**systemd**", "ini");
      unit = parseUnit(unitText);
      serviceSection = unit.get("Service")!;
    });

    test("runs the installed pty-runner with real flags and the credential from LoadCredential", () => {
      const execStart = serviceSection.get("ExecStart")![0]!;
      // systemd's quoting and line continuations are not used there; split on blanks as it would.
      expect(execStart).not.toMatch(/["'\\]/);
      const [program, ...args] = execStart.split(/\s+/);
      expect(isAbsolute(program!)).toBe(true);
      expect(basename(program!)).toBe("pty-runner");
      for (const flag of flagsIn(args)) expect(REAL_FLAGS).toContain(flag);
      // systemd replaces %d with the service's credentials directory.
      const [id, source] = serviceSection.get("LoadCredential")![0]!.split(":");
      expect(source).toBe("/etc/pty-runner/credential");
      expect(args[args.indexOf("--token-file") + 1]).toBe(`%d/${id}`);
      const credentials = join(scratch, "credentials-directory");
      mkdirSync(credentials, { recursive: true });
      writeFileSync(join(credentials, id!), `${CREDENTIAL}\n`, { mode: 0o600 });
      const command = parseCli(
        args.map((arg) => arg.replace("%d", credentials)),
        {},
      );
      expect(command).toMatchObject({
        kind: "run",
        options: { url: "https://term.example.com", token: CREDENTIAL, host: "build-box" },
      });
    });

    test("keeps the credential out of the unit, restarts on failure but not on 2 or 3, and signals only the runner", () => {
      expect(unitText).not.toMatch(/whc1\.|RUNNER_TOKEN|^Environment/m);
      expect(serviceSection.get("Restart")).toEqual(["on-failure"]);
      expect(serviceSection.get("RestartPreventExitStatus")![0]!.split(/\s+/).map(Number)).toEqual([
        EXIT_CODES.BAD_CONFIGURATION,
        EXIT_CODES.REFUSED_BY_EDGE,
      ]);
      expect(serviceSection.get("KillMode")).toEqual(["mixed"]);
      expect(serviceSection.get("User")).toHaveLength(1);
      expect(unit.get("Install")!.get("WantedBy")).toEqual(["multi-user.target"]);
    });

    const analyze = spawnSync("sh", ["-c", "command -v systemd-analyze"], { encoding: "utf8" });
    test.runIf(analyze.status === 0)(
      "systemd-analyze verify accepts it (the program: the built bin the install links to)",
      () => {
        expect(existsSync(BUNDLE), "run npm run build:runner first").toBe(true);
        const dir = join(scratch, "systemd");
        mkdirSync(dir, { recursive: true });
        const file = join(dir, "pty-runner.service");
        writeFileSync(file, unitText.replace(/^ExecStart=\S+/m, `ExecStart=${BUNDLE}`));
        const result = spawnSync(analyze.stdout.trim(), ["verify", "--man=no", file], {
          encoding: "utf8",
        });
        const complaints = `${result.stdout}${result.stderr}`
          .split("\n")
          .filter((line) => line.includes("pty-runner.service"));
        expect(complaints).toEqual([]);
        expect(result.status).toBe(0);
      },
    );
  });

  describe("the launchd plist", () => {
    let plistText = "";
    beforeAll(() => {
      plistText = blockAfter(service, "**launchd**", "xml");
    });

    test("is a well-formed plist that keeps the runner alive with real flags", () => {
      const plist = parsePlist(plistText) as Record<string, PlistValue>;
      const file = /`~\/Library\/LaunchAgents\/([^`]+)\.plist`/.exec(service)![1];
      expect(plist.Label).toBe(file);
      const [program, ...args] = plist.ProgramArguments as string[];
      expect(isAbsolute(program!)).toBe(true);
      expect(basename(program!)).toBe("pty-runner");
      for (const flag of flagsIn(args)) expect(REAL_FLAGS).toContain(flag);
      expect(parseDocumented(args)).toMatchObject({
        kind: "run",
        options: { url: "https://term.example.com", token: CREDENTIAL },
      });
      // Restarted on any exit but a clean one.
      expect(plist.KeepAlive).toEqual({ SuccessfulExit: false });
      expect(plist.RunAtLoad).toBe(true);
      // Absolute paths only: launchd does not expand ~.
      expect(plistText).not.toContain("~");
    });

    test("puts Node on PATH for the #!/usr/bin/env node bin, and the shells inherit that PATH", () => {
      const plist = parsePlist(plistText) as Record<string, PlistValue>;
      const path = (plist.EnvironmentVariables as Record<string, string>).PATH!;
      expect(path.split(":")).toContain("/opt/homebrew/bin");
      expect(DEFAULT_ENV_ALLOW).toContain("PATH");
      expect(existsSync(BUNDLE), "run npm run build:runner first").toBe(true);
      expect(readFileSync(BUNDLE, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    });

    test("the plist check itself refuses what is not well-formed", () => {
      expect(() => parsePlist(plistText.replace("</array>", ""))).toThrow();
      expect(() => parsePlist(plistText.replace("<true/>", "<true>"))).toThrow();
      expect(() => parsePlist(plistText.replace("</dict>\n</plist>", "</plist>"))).toThrow();
      expect(() => parsePlist(plistText.replace("<key>KeepAlive</key>", ""))).toThrow();
    });
  });
});

/** A unit file as section → key → values (keys may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const line of text.split("\n")) {
    if (/^\s*([#;].*)?$/.test(line)) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const entry = /^(\w+)=(.*)$/.exec(line);
    if (!entry || !current) throw new Error(`not a unit file line: ${line}`);
    current.set(entry[1]!, [...(current.get(entry[1]!) ?? []), entry[2]!]);
  }
  return sections;
}

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

/**
 * A small strict reader of XML property lists: the prolog, the Apple DOCTYPE, and dict, array,
 * key, string, integer, true and false. Anything else, or any unbalanced tag, throws.
 */
function parsePlist(xml: string): PlistValue {
  const prolog =
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<!DOCTYPE plist PUBLIC "-\/\/Apple\/\/DTD PLIST 1\.0\/\/EN" "http:\/\/www\.apple\.com\/DTDs\/PropertyList-1\.0\.dtd">\s*/;
  if (!prolog.test(xml)) throw new Error("no XML declaration and plist DOCTYPE");
  const tokens = [
    ...xml.replace(prolog, "").matchAll(/<(\/?)(\w+)((?:\s+\w+="[^"]*")*)\s*(\/?)>|([^<]+)/g),
  ];
  const joined = tokens.map((t) => t[0]).join("");
  if (joined !== xml.replace(prolog, "")) throw new Error("stray markup");
  let i = 0;
  const skipSpace = () => {
    while (i < tokens.length && tokens[i]![5] !== undefined && !tokens[i]![5]!.trim()) i++;
  };
  const open = (name: string) => {
    skipSpace();
    const t = tokens[i++];
    if (!t || t[1] || t[2] !== name || t[4]) throw new Error(`expected <${name}>`);
  };
  const close = (name: string) => {
    skipSpace();
    const t = tokens[i++];
    if (!t || !t[1] || t[2] !== name) throw new Error(`expected </${name}>`);
  };
  const text = (): string => {
    const t = tokens[i];
    if (t && t[5] !== undefined) {
      i++;
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(t[5])) throw new Error("bad entity");
      return t[5].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    }
    return "";
  };
  const isClose = () => {
    skipSpace();
    return tokens[i]?.[1] === "/";
  };
  const value = (): PlistValue => {
    skipSpace();
    const t = tokens[i];
    if (!t || t[1] || t[5] !== undefined) throw new Error("expected a value");
    const name = t[2]!;
    if (t[4]) {
      i++;
      if (name === "true") return true;
      if (name === "false") return false;
      throw new Error(`unexpected <${name}/>`);
    }
    open(name);
    let result: PlistValue;
    if (name === "string") result = text();
    else if (name === "integer") {
      const digits = text();
      if (!/^-?\d+$/.test(digits)) throw new Error(`not an integer: ${digits}`);
      result = Number(digits);
    } else if (name === "array") {
      const items: PlistValue[] = [];
      while (!isClose()) items.push(value());
      result = items;
    } else if (name === "dict") {
      const dict: Record<string, PlistValue> = {};
      while (!isClose()) {
        open("key");
        const key = text();
        close("key");
        dict[key] = value();
      }
      result = dict;
    } else throw new Error(`unexpected <${name}>`);
    close(name);
    return result;
  };
  const head = tokens[i];
  if (head?.[2] !== "plist" || !/version="1\.0"/.test(head[3] ?? "")) throw new Error("no <plist>");
  i++;
  const root = value();
  close("plist");
  skipSpace();
  if (i !== tokens.length) throw new Error("content after </plist>");
  return root;
}
