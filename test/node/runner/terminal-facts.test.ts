/** Terminal facts read from the kernel for real programs in real PTYs: who is in the foreground and whether it waits for a key. */
import { afterEach, describe, expect, test } from "vitest";
import type { TerminalFacts } from "../../../protocol/index.ts";
import { allProcesses, readStat, readSyscall } from "../../../pty-runner/procfs.ts";
import { readPsTerminalFacts } from "../../../pty-runner/ps-terminal-facts.ts";
import { readTerminalFacts } from "../../../pty-runner/terminal-facts.ts";
import { LocalPty } from "../../harness/local-pty.ts";
import { waitFor } from "../../harness/wait.ts";

const ptys: LocalPty[] = [];
afterEach(() => {
  for (const pty of ptys.splice(0)) pty.close();
});

/** A shell in its own PTY with a fixed prompt and no rc files. */
function shell(kind: "bash" | "zsh" | "dash"): LocalPty {
  const args = { bash: ["--norc", "--noprofile", "-i"], zsh: ["-f", "-i"], dash: ["-i"] }[kind];
  const pty = new LocalPty(`/usr/bin/${kind}`, args, { PS1: "p$ " });
  ptys.push(pty);
  return pty;
}

/** Reads the facts until `check` accepts them (processes take a moment to start and block). */
async function factsWhen(
  pid: number,
  check: (facts: TerminalFacts) => boolean,
  what: string,
): Promise<TerminalFacts> {
  const deadline = performance.now() + 10_000;
  let last: TerminalFacts | null = null;
  while (performance.now() < deadline) {
    last = await readTerminalFacts(pid);
    if (last && check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}; last facts: ${JSON.stringify(last)}`);
}

/** Whether every process of the terminal's foreground group is asleep inside a system call. */
function foregroundAsleep(shellPid: number): boolean {
  const tpgid = readStat(shellPid)?.tpgid;
  const members = (allProcesses() ?? []).filter((pid) => readStat(pid)?.pgrp === tpgid);
  return (
    members.length > 0 &&
    members.every((pid) => readStat(pid)?.state === "S" && readSyscall(pid) !== null)
  );
}

/** Waits until a job (not the shell) is in the foreground, fully asleep, then returns the facts. */
async function asleepFacts(pty: LocalPty): Promise<TerminalFacts> {
  await factsWhen(
    pty.pid,
    (f) => !f.shellInForeground && foregroundAsleep(pty.pid),
    "a job asleep in the foreground",
  );
  return (await readTerminalFacts(pty.pid)) as TerminalFacts;
}

const prompt = (f: TerminalFacts) => f.shellInForeground && f.reading !== null;

describe("shells at their prompt and in the `read` builtin", () => {
  test("bash at its readline prompt waits in poll with the terminal raw", async () => {
    const pty = shell("bash");
    const facts = await factsWhen(pty.pid, prompt, "bash at its prompt");
    expect(facts).toMatchObject({ shellInForeground: true, reading: "poll", foreground: ["bash"] });
    expect(facts.shellReads).toBeGreaterThan(0);
  });

  test("bash's `read -p` builtin blocks in a read of the terminal", async () => {
    const pty = shell("bash");
    await factsWhen(pty.pid, prompt, "bash at its prompt");
    pty.type("read -p 'name? ' x\r");
    await pty.waitForOutput("name? ");
    const facts = await factsWhen(pty.pid, (f) => f.reading === "read", "bash in `read`");
    expect(facts).toMatchObject({ shellInForeground: true, foreground: ["bash"] });
  });

  test("zsh at its prompt and in `read` blocks in a read of the terminal", async () => {
    const pty = shell("zsh");
    const atPrompt = await factsWhen(pty.pid, prompt, "zsh at its prompt");
    expect(atPrompt).toMatchObject({
      shellInForeground: true,
      reading: "read",
      foreground: ["zsh"],
    });
    pty.type("read x; echo got-$x\r");
    await factsWhen(pty.pid, (f) => f.shellReads !== atPrompt.shellReads, "zsh to take the line");
    pty.type("abc\r");
    await pty.waitForOutput("got-abc");
    await factsWhen(pty.pid, prompt, "zsh back at its prompt");
  });

  test("dash at its prompt and in `read` blocks in a read of the terminal", async () => {
    const pty = shell("dash");
    const atPrompt = await factsWhen(pty.pid, prompt, "dash at its prompt");
    expect(atPrompt).toMatchObject({
      shellInForeground: true,
      reading: "read",
      foreground: ["dash"],
    });
    pty.type("read x\r");
    const inRead = await factsWhen(
      pty.pid,
      (f) => f.reading === "read" && (f.shellReads ?? 0) > (atPrompt.shellReads ?? 0),
      "dash in `read`",
    );
    expect(inRead.shellInForeground).toBe(true);
  });

  test("the shell's read count grows when dash runs a command", async () => {
    const pty = shell("dash");
    const before = await factsWhen(pty.pid, prompt, "dash at its prompt");
    expect(before.shellReads).not.toBeNull();
    const from = pty.text().length;
    pty.type("echo ran-$((6*7))\r");
    await pty.waitForOutput("ran-42", from);
    const after = await factsWhen(pty.pid, prompt, "dash back at its prompt");
    expect(after.shellReads).toBeGreaterThan(before.shellReads as number);
  });
});

describe("programs in the foreground", () => {
  async function run(command: string): Promise<LocalPty> {
    const pty = shell("bash");
    await factsWhen(pty.pid, prompt, "bash at its prompt");
    pty.type(`${command}\r`);
    return pty;
  }

  test("`cat` waiting for input reads the terminal, and the shell is not in the foreground", async () => {
    const pty = await run("cat");
    const facts = await asleepFacts(pty);
    expect(facts).toMatchObject({ shellInForeground: false, reading: "read", foreground: ["cat"] });
  });

  test("`less` waits for a key by reading /dev/tty", async () => {
    const pty = await run("seq 1 500 | less");
    const facts = await factsWhen(
      pty.pid,
      (f) => !f.shellInForeground && f.reading === "read",
      "less reading",
    );
    expect(facts.foreground).toContain("less");
  });

  test("vim waits for a key in poll with the terminal raw", async () => {
    const pty = await run("vim -u NONE -i NONE -N");
    const facts = await factsWhen(
      pty.pid,
      (f) => !f.shellInForeground && f.reading === "poll",
      "vim waiting for a key",
    );
    expect(facts.foreground.join()).toMatch(/vim/);
  });

  test("python's getpass reads /dev/tty", async () => {
    const pty = await run(`python3 -c "import getpass; getpass.getpass('pw: ')"`);
    await pty.waitForOutput("pw: ");
    const facts = await factsWhen(
      pty.pid,
      (f) => !f.shellInForeground && f.reading === "read",
      "getpass reading",
    );
    expect(facts.foreground.join()).toMatch(/python/);
  });

  test("`sleep` is not waiting for the terminal", async () => {
    const pty = await run("sleep 30");
    const facts = await asleepFacts(pty);
    expect(facts).toMatchObject({ shellInForeground: false, reading: null, foreground: ["sleep"] });
  });

  test("node waiting on a timer with the terminal canonical is not waiting for the terminal", async () => {
    const pty = await run(
      `${process.execPath} -e "setTimeout(() => {}, 30000); console.log('ready')"`,
    );
    await pty.waitForOutput("ready\r\n");
    const facts = await asleepFacts(pty);
    expect(facts).toMatchObject({ shellInForeground: false, reading: null });
  });

  test("node waiting in the same poll with the terminal raw counts as waiting for a key", async () => {
    const pty = await run(
      `${process.execPath} -e "process.stdin.setRawMode(true); setTimeout(() => {}, 30000); console.log('ready')"`,
    );
    await pty.waitForOutput("ready\r\n");
    const facts = await asleepFacts(pty);
    expect(facts).toMatchObject({ shellInForeground: false, reading: "poll" });
  });
});

describe("when there is nothing to read", () => {
  test("a process that is gone has no facts", async () => {
    const pty = shell("dash");
    await factsWhen(pty.pid, prompt, "dash at its prompt");
    pty.close();
    await waitFor(() => readStat(pty.pid) === null, { what: "dash reaped" });
    expect(await readTerminalFacts(pty.pid)).toBeNull();
  });
});

// The ps fallback is written for macOS and BSD, where the kernel reports a terminal read as the
// wait channel `ttyin`. Linux's ps takes the same options, so its parsing of the foreground group
// runs here; its `reading` answer (Linux names other wait channels) runs nowhere.
describe("the ps fallback (no /proc), on Linux's ps", () => {
  test("finds the foreground group and its programs: the shell at its prompt, then a job", async () => {
    const pty = shell("bash");
    await factsWhen(pty.pid, prompt, "bash at its prompt");
    expect(await readPsTerminalFacts(pty.pid)).toMatchObject({
      shellInForeground: true,
      foreground: ["bash"],
      shellReads: null,
    });
    pty.type("sleep 30 | cat\r");
    await asleepFacts(pty);
    expect(await readPsTerminalFacts(pty.pid)).toMatchObject({
      shellInForeground: false,
      foreground: ["sleep", "cat"],
    });
  });

  test("says nothing (null) for a shell that is gone", async () => {
    const pty = shell("bash");
    const pid = pty.pid;
    pty.close();
    const deadline = performance.now() + 10_000;
    while ((await readPsTerminalFacts(pid)) !== null) {
      expect(performance.now(), "ms until ps no longer finds the shell").toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
