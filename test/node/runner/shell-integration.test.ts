/** OSC 133 prompt marks from bash (and zsh when installed), invisible to the person typing. */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { MARK, startFixture } from "../../harness/runner-fixture.ts";
import type { Fixture } from "../../harness/runner-fixture.ts";

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
    await session.waitForOutput(MARK.promptEnd, { from });
    const text = session.text().slice(from);
    const positions = inOrder(text, [
      "sh -c 'echo out-$((2+3)); exit 7'",
      MARK.commandStart,
      "out-5\r\n",
      MARK.commandDone(7),
      MARK.promptStart,
      "test$ ",
      MARK.promptEnd,
    ]);
    expect(positions).not.toContain(-1);
    // Nothing but the output between C and D.
    expect(text.slice(positions[1]! + MARK.commandStart.length, positions[3])).toBe("out-5\r\n");
  });

  test("an empty command line and Ctrl-C at the prompt produce no command marks", async () => {
    const fx = await fixture();
    const session = await fx.open();
    const from = session.storedEnd;
    session.type("\r");
    await session.waitForOutput(MARK.promptEnd, { from });
    const afterEmpty = session.storedEnd;
    session.type("\x03");
    await session.waitForOutput(MARK.promptEnd, { from: afterEmpty });
    session.type("true\r");
    await session.waitForOutput(MARK.commandDone(0), { from });
    const text = session.text().slice(from);
    expect(text.split(MARK.commandStart)).toHaveLength(2);
    expect(text.split("\x1b]133;D;")).toHaveLength(2);
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
    await session.waitForOutput(MARK.commandDone(1));
    session.type('echo "rc=$FROM_RC last=$LAST"\r');
    await session.waitForOutput("rc=yes last=1\r\n");
    const text = session.text();
    expect(text).toContain(`${MARK.promptStart}custom> ${MARK.promptEnd}`);
    for (const leak of ["__webterm", "PROMPT_COMMAND", "rcfile", "bashrc"]) {
      expect(text).not.toContain(leak);
    }
  });

  test("a ~/.bashrc with `set -u` still gets the marks and shows no errors", async () => {
    const fx = await fixture();
    writeFileSync(join(fx.home, ".bashrc"), "set -u\nPS1='strict$ '\n");
    const session = await fx.open();
    session.type("(exit 3)\r");
    await session.waitForOutput(MARK.commandDone(3));
    expect(session.text()).toContain(`${MARK.promptStart}strict$ ${MARK.promptEnd}`);
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
    await session.waitForOutput(MARK.commandDone(4));
    session.type('echo "seen=$SEEN"\r');
    await session.waitForOutput(/* mine ran before each of the 2 prompts so far */ "seen=2\r\n");
  });

  test("a prompt theme that rebuilds PS1 in PROMPT_COMMAND is wrapped again", async () => {
    const fx = await fixture();
    writeFileSync(join(fx.home, ".bashrc"), `PROMPT_COMMAND='PS1="theme[$?]> "'\n`);
    const session = await fx.open();
    session.type("(exit 2)\r");
    const done = await session.waitForOutput(MARK.commandDone(2));
    await session.waitForOutput(`${MARK.promptStart}theme[2]> ${MARK.promptEnd}`, { from: done });
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
    await session.waitForOutput(MARK.commandDone(6));
    expect(session.text()).toContain("yes\r\n");
    expect(session.text()).toContain(`${MARK.promptStart}z> ${MARK.promptEnd}`);
  });
});
