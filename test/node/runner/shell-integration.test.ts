/** OSC 133 prompt marks from bash and zsh, invisible to the person typing, each carrying the session's nonce from its hello. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { ShellIntegration } from "../../../pty-runner/shell-integration.ts";
import { shellMarks } from "../../harness/fake-session.ts";
import type { FakeSession } from "../../harness/fake-session.ts";
import { LocalPty } from "../../harness/local-pty.ts";
import { startFixture } from "../../harness/runner-fixture.ts";
import type { Fixture } from "../../harness/runner-fixture.ts";
import { waitFor } from "../../harness/wait.ts";

/** Marks as the rc files print them when started without a nonce. */
const MARK = shellMarks(null);

const fixtures: Fixture[] = [];
async function fixture(...args: Parameters<typeof startFixture>): Promise<Fixture> {
  const fx = await startFixture(...args);
  fixtures.push(fx);
  return fx;
}
afterEach(async () => {
  for (const fx of fixtures.splice(0)) await fx.close();
});

/** Positions of `needles` in `text`, each searched after the previous one; -1 when missing. */
function inOrder(text: string, needles: string[]): number[] {
  let from = 0;
  return needles.map((needle) => {
    const at = text.indexOf(needle, from);
    if (at >= 0) from = at + needle.length;
    return at;
  });
}

describe("bash", () => {
  test("marks surround the prompt, the command's output, and carry the command's exit status", async () => {
    const fx = await fixture();
    const session = await fx.open();
    const from = session.storedEnd;
    session.type("sh -c 'echo out-$((2+3)); exit 7'\r");
    await session.waitForOutput(session.marks.promptEnd, { from });
    const text = session.text().slice(from);
    const positions = inOrder(text, [
      "sh -c 'echo out-$((2+3)); exit 7'",
      session.marks.commandStartPrefix,
      "out-5\r\n",
      session.marks.commandDone(7),
      session.marks.promptStart,
      "test$ ",
      session.marks.promptEnd,
    ]);
    expect(positions).not.toContain(-1);
    // Nothing but the output between C and D.
    const [start] = session.marks.commandStarts(text);
    expect(start?.index).toBe(positions[1]);
    expect(text.slice(start!.end, positions[3])).toBe("out-5\r\n");
  });

  test("an empty command line and Ctrl-C at the prompt start no command: each ends with a D without a status", async () => {
    const fx = await fixture();
    const session = await fx.open();
    const from = session.storedEnd;
    session.type("\r");
    await session.waitForOutput(session.marks.promptEnd, { from });
    const afterEmpty = session.storedEnd;
    session.type("\x03");
    await session.waitForOutput(session.marks.promptEnd, { from: afterEmpty });
    session.type("true\r");
    await session.waitForOutput(session.marks.commandDone(0), { from });
    const text = session.text().slice(from);
    expect(session.marks.commandStarts(text)).toHaveLength(1);
    // `true`'s D;0, and a D without a status for each line that ran nothing.
    expect(text.match(/\x1b\]133;D;\d+/g)).toHaveLength(1);
    expect(text.match(/\x1b\]133;D;n=/g)).toHaveLength(2);
  });

  test("the user's ~/.bashrc is read first, its PROMPT_COMMAND keeps working, and no setup is visible", async () => {
    const fx = await fixture();
    writeFileSync(
      join(fx.home, ".bashrc"),
      [
        "export FROM_RC=yes",
        "PS1='custom> '",
        // A trailing ";" and a status check: both must survive the runner's wrapping.
        `PROMPT_COMMAND='LAST=$?; COUNT=$((COUNT+1));'`,
      ].join("\n"),
    );
    const session = await fx.open();
    session.type("false\r");
    await session.waitForOutput(session.marks.commandDone(1));
    session.type('echo "rc=$FROM_RC last=$LAST"\r');
    await session.waitForOutput("rc=yes last=1\r\n");
    const text = session.text();
    expect(text).toContain(`${session.marks.promptStart}custom> ${session.marks.promptEnd}`);
    for (const leak of ["__webterm", "PROMPT_COMMAND", "rcfile", "bashrc"]) {
      expect(text).not.toContain(leak);
    }
  });

  test("a ~/.bashrc with `set -u` still gets the marks and shows no errors", async () => {
    const fx = await fixture();
    writeFileSync(join(fx.home, ".bashrc"), "set -u\nPS1='strict$ '\n");
    const session = await fx.open();
    session.type("(exit 3)\r");
    await session.waitForOutput(session.marks.commandDone(3));
    expect(session.text()).toContain(
      `${session.marks.promptStart}strict$ ${session.marks.promptEnd}`,
    );
    expect(session.text()).not.toContain("unbound variable");
  });

  test("a PROMPT_COMMAND array (bash 5.1+) still gets the marks", async () => {
    const fx = await fixture();
    writeFileSync(
      join(fx.home, ".bashrc"),
      "PS1='arr$ '\nmine() { SEEN=$((SEEN+1)); }\nPROMPT_COMMAND=(mine)\n",
    );
    const session = await fx.open();
    session.type("(exit 4)\r");
    await session.waitForOutput(session.marks.commandDone(4));
    session.type('echo "seen=$SEEN"\r');
    await session.waitForOutput(/* mine ran before each of the 2 prompts so far */ "seen=2\r\n");
  });

  test("a prompt theme that rebuilds PS1 in PROMPT_COMMAND is wrapped again", async () => {
    const fx = await fixture();
    writeFileSync(join(fx.home, ".bashrc"), `PROMPT_COMMAND='PS1="theme[$?]> "'\n`);
    const session = await fx.open();
    session.type("(exit 2)\r");
    const done = await session.waitForOutput(session.marks.commandDone(2));
    await session.waitForOutput(
      `${session.marks.promptStart}theme[2]> ${session.marks.promptEnd}`,
      { from: done },
    );
  });
});

describe("the C mark's command line and directory", () => {
  const zsh = existsSync("/usr/bin/zsh") ? "/usr/bin/zsh" : "/bin/zsh";
  const long = `echo ${"x".repeat(5000)} >/dev/null`;

  /** Types each line (\r ends a line), waiting for the prompt after it; returns every C mark since. */
  async function run(session: FakeSession, lines: string[]) {
    const from = session.storedEnd;
    for (const line of lines) {
      const before = session.storedEnd;
      session.type(`${line}\r`);
      await session.waitForOutput(session.marks.promptEnd, { from: before });
    }
    return session.marks
      .commandStarts(session.text().slice(from))
      .map(({ commandLine, cwd }) => ({ commandLine, cwd }));
  }

  test("bash says the line its history holds and the directory the command starts in; a line the history leaves out gets no line", async () => {
    const fx = await fixture();
    // Debian's default: lines starting with a space, and a line repeated, stay out of the history.
    writeFileSync(join(fx.home, ".bashrc"), "PS1='test$ '\nHISTCONTROL=ignoreboth\n");
    const session = await fx.open();
    const starts = await run(session, [
      "cd /tmp",
      "echo 'é;%\rx' | cat",
      " echo hidden",
      "echo again",
      "echo again",
      "for i in 1 2\rdo echo $i\rdone",
      long,
    ]);
    expect(starts).toEqual([
      { commandLine: "cd /tmp", cwd: fx.home },
      { commandLine: "echo 'é;%\nx' | cat", cwd: "/tmp" },
      { commandLine: null, cwd: "/tmp" },
      { commandLine: "echo again", cwd: "/tmp" },
      { commandLine: null, cwd: "/tmp" },
      // bash's history joins a compound command's lines (unless `shopt -s lithist`).
      { commandLine: "for i in 1 2; do echo $i; done", cwd: "/tmp" },
      { commandLine: long.slice(0, 4096), cwd: "/tmp" },
    ]);
  });

  test("zsh says the line as typed, also one HIST_IGNORE_SPACE keeps out of its history, and the directory", async () => {
    const fx = await fixture({ shell: zsh });
    writeFileSync(join(fx.home, ".zshrc"), "PS1='z> '\nsetopt HIST_IGNORE_SPACE\n");
    const session = await fx.open({ env: { ZDOTDIR: fx.home, LANG: "C.UTF-8" } });
    const starts = await run(session, [
      "cd /tmp",
      "echo 'é;%\rx' | cat",
      " echo hidden",
      "for i in 1 2\rdo echo $i\rdone",
      long,
    ]);
    expect(starts).toEqual([
      { commandLine: "cd /tmp", cwd: fx.home },
      { commandLine: "echo 'é;%\nx' | cat", cwd: "/tmp" },
      { commandLine: " echo hidden", cwd: "/tmp" },
      { commandLine: "for i in 1 2\ndo echo $i\ndone", cwd: "/tmp" },
      { commandLine: long.slice(0, 4096), cwd: "/tmp" },
    ]);
  });
});

describe("other shells", () => {
  test("/bin/sh runs without marks and works", async () => {
    const fx = await fixture({ shell: "/bin/sh" });
    const session = await fx.open({ env: { PS1: "sh$ " }, waitFor: "sh$ " });
    session.type("echo plain-$((3*3))\r");
    await session.waitForOutput("plain-9\r\n");
    expect(session.text()).not.toContain("\x1b]133;");
  });

  test("--no-shell-integration starts bash without marks", async () => {
    const fx = await fixture({ shellIntegration: false });
    const session = await fx.open({ waitFor: "test$ " });
    session.type("echo none\r");
    await session.waitForOutput("none\r\n");
    expect(session.text()).not.toContain("\x1b]133;");
  });

  // zsh is installed by scripts/ensure-test-packages.ts (part of `npm test`).
  test("zsh gets the same marks, after reading the user's .zshrc", async () => {
    const zsh = existsSync("/usr/bin/zsh") ? "/usr/bin/zsh" : "/bin/zsh";
    const fx = await fixture({ shell: zsh });
    writeFileSync(join(fx.home, ".zshrc"), "export FROM_ZSHRC=yes\nPS1='z> '\n");
    const session = await fx.open({ env: { ZDOTDIR: fx.home } });
    session.type("echo $FROM_ZSHRC; (exit 6)\r");
    await session.waitForOutput(session.marks.commandDone(6));
    expect(session.text()).toContain("yes\r\n");
    expect(session.text()).toContain(`${session.marks.promptStart}z> ${session.marks.promptEnd}`);
  });
});

describe("zsh: lines that run nothing", () => {
  test("an empty line and Ctrl-C at the prompt each end with a D without a status, no C", async () => {
    const zsh = existsSync("/usr/bin/zsh") ? "/usr/bin/zsh" : "/bin/zsh";
    const fx = await fixture({ shell: zsh });
    writeFileSync(join(fx.home, ".zshrc"), "PS1='z> '\n");
    const session = await fx.open({ env: { ZDOTDIR: fx.home } });
    const from = session.storedEnd;
    session.type("\r");
    await session.waitForOutput(session.marks.promptEnd, { from });
    const afterEmpty = session.storedEnd;
    session.type("\x03");
    await session.waitForOutput(session.marks.promptEnd, { from: afterEmpty });
    session.type("true\r");
    await session.waitForOutput(session.marks.commandDone(0), { from });
    const text = session.text().slice(from);
    expect(session.marks.commandStarts(text)).toHaveLength(1);
    expect(text.match(/\x1b\]133;D;\d+/g)).toHaveLength(1);
    expect(text.match(/\x1b\]133;D;n=/g)).toHaveLength(2);
  });
});

describe("zsh's PROMPT_SP padding", () => {
  const zsh = existsSync("/usr/bin/zsh") ? "/usr/bin/zsh" : "/bin/zsh";

  async function zshSession(rc: string) {
    const fx = await fixture({ shell: zsh });
    writeFileSync(join(fx.home, ".zshrc"), `PS1='z> '\n${rc}`);
    return fx.open({ env: { ZDOTDIR: fx.home } });
  }

  /** What a command printed between its C and D marks, and how many D marks it got. */
  async function run(session: FakeSession, command: string, status = 0) {
    const from = session.storedEnd;
    session.type(`${command}\r`);
    await session.waitForOutput(session.marks.promptEnd, { from });
    const text = session.text().slice(from);
    const start = session.marks.commandStarts(text)[0]!.end;
    const done = text.indexOf(session.marks.commandDone(status));
    expect(done).toBeGreaterThanOrEqual(start);
    return { output: text.slice(start, done), dMarks: text.split("\x1b]133;D;").length - 1, text };
  }

  test("the padding zsh prints after a command falls after D, so the output is exact", async () => {
    const session = await zshSession("");
    expect((await run(session, "echo hi")).output).toBe("hi\r\n");
    const partial = await run(session, "printf 'a\\nb'");
    expect(partial.output).toBe("a\r\nb");
    expect(partial.dMarks).toBe(1);
    expect((await run(session, "(exit 4)", 4)).output).toBe("");
  });

  test("the user's PROMPT_EOL_MARK still shows after a partial line, once, command after command", async () => {
    const session = await zshSession("PROMPT_EOL_MARK='<eol>'\n");
    for (const word of ["one", "two"]) {
      const partial = await run(session, `printf ${word}`);
      expect(partial.output).toBe(word);
      expect(partial.text).toContain(`${session.marks.commandDone(0)}<eol> `);
      expect(partial.dMarks).toBe(1);
    }
  });

  test("without PROMPT_SP, or when a command changes PROMPT_EOL_MARK, D still comes once", async () => {
    const session = await zshSession("");
    const changed = await run(session, "PROMPT_EOL_MARK='<x>'; printf one");
    expect(changed.output.startsWith("one")).toBe(true);
    expect(changed.dMarks).toBe(1);
    // The command's own mark stays, and carries D from the next command on.
    const next = await run(session, "printf two");
    expect(next.output).toBe("two");
    expect(next.text).toContain(`${session.marks.commandDone(0)}<x> `);
    await run(session, "setopt no_prompt_sp");
    const off = await run(session, "echo three");
    expect(off.output).toBe("three\r\n");
    expect(off.dMarks).toBe(1);
  });
});

describe("the hello and the marks' nonce", () => {
  const zsh = existsSync("/usr/bin/zsh") ? "/usr/bin/zsh" : "/bin/zsh";

  /** Every OSC 133 sequence in the session's output. */
  function allMarks(session: FakeSession): string[] {
    return session.text().match(/\x1b\]133;[^\x07]*\x07/g) ?? [];
  }

  test("bash's hello says it emits marks, and every mark carries the session's own 22-character nonce", async () => {
    const fx = await fixture();
    const session = await fx.open();
    const other = await fx.open();
    expect(session.hello).toMatchObject({ type: "hello", shell: "bash", marks: true });
    const nonce = session.hello!.nonce!;
    expect(nonce).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(other.hello!.nonce).not.toBe(nonce);
    session.type("(exit 5)\r");
    // The next prompt's A and B may come in a later read than D: wait for B after D.
    const done = await session.waitForOutput(session.marks.commandDone(5));
    await session.waitForOutput(session.marks.promptEnd, { from: done });
    const marks = allMarks(session);
    // A B of the first prompt, then C D;5 A B.
    expect(marks.map((mark) => mark.slice(6, 7))).toEqual(["A", "B", "C", "D", "A", "B"]);
    for (const mark of marks) expect(mark.endsWith(`;n=${nonce}\x07`)).toBe(true);
    // Every welcome gets a hello, with the same nonce: the shell is the same.
    session.killConnection();
    await waitFor(() => session.generation === 2 && session.hellos.length === 2, {
      what: "a hello on the second connection",
    });
    expect(session.hellos[1]).toEqual(session.hellos[0]);
  });

  test("zsh's hello says it emits marks, and every mark carries the nonce", async () => {
    const fx = await fixture({ shell: zsh });
    writeFileSync(join(fx.home, ".zshrc"), "PS1='z> '\n");
    const session = await fx.open({ env: { ZDOTDIR: fx.home } });
    expect(session.hello).toMatchObject({ type: "hello", shell: "zsh", marks: true });
    const nonce = session.hello!.nonce!;
    expect(nonce).toMatch(/^[A-Za-z0-9]{22}$/);
    session.type("(exit 5)\r");
    // The next prompt's A and B may come in a later read than D: wait for B after D.
    const done = await session.waitForOutput(session.marks.commandDone(5));
    await session.waitForOutput(session.marks.promptEnd, { from: done });
    const marks = allMarks(session);
    expect(marks.map((mark) => mark.slice(6, 7))).toEqual(["A", "B", "C", "D", "A", "B"]);
    for (const mark of marks) expect(mark.endsWith(`;n=${nonce}\x07`)).toBe(true);
  });

  test("dash's hello says it emits no marks and has no nonce", async () => {
    const fx = await fixture({ shell: "/usr/bin/dash" });
    const session = await fx.open({ env: { PS1: "dash$ " }, waitFor: "dash$ " });
    expect(session.hello).toEqual({ type: "hello", shell: "dash", marks: false, nonce: null });
  });

  test.each([
    ["bash", "/bin/bash", ".bashrc", "export PS1='e$ '\n"],
    ["zsh", zsh, ".zshrc", "export PS1='e> '\n"],
  ])(
    "commands %s runs never see the nonce, even when the user's rc file exports PS1",
    async (_name, shell, rcFile, rc) => {
      const fx = await fixture({ shell });
      writeFileSync(join(fx.home, rcFile), rc);
      const session = await fx.open({ env: { ZDOTDIR: fx.home } });
      const nonce = session.hello!.nonce!;
      const from = session.storedEnd;
      session.type(
        `echo "vars=$(env | grep -c WEBTERM_MARK_NONCE) values=$(env | grep -c ${nonce})"\r`,
      );
      await session.waitForOutput("vars=0 values=0\r\n", { from });
      // The prompt still shows, wrapped in marks.
      await session.waitForOutput(session.marks.promptEnd, { from });
    },
  );

  test.each([
    ["bash", "/bin/bash", ".bashrc"],
    ["zsh", zsh, ".zshrc"],
  ])(
    "%s's startup files, run without WEBTERM_MARK_NONCE, print the marks without the nonce part",
    async (_name, shell, rcFile) => {
      const home = mkdtempSync(join(tmpdir(), "pty-runner-test-home-"));
      writeFileSync(join(home, rcFile), "PS1='plain$ '\n");
      const shells = new ShellIntegration(true);
      const { args, env } = shells.launch(shell, {}, "unused");
      const { WEBTERM_MARK_NONCE, ...withoutNonce } = env;
      expect(WEBTERM_MARK_NONCE).toBe("unused");
      const pty = new LocalPty(shell, args, { ...withoutNonce, HOME: home });
      try {
        await pty.waitForOutput(`${MARK.promptStart}plain$ ${MARK.promptEnd}`);
        pty.type("(exit 3)\r");
        await pty.waitForOutput(MARK.commandDone(3));
        expect(pty.text()).not.toContain(";n=");
      } finally {
        pty.close();
        shells.dispose();
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});
