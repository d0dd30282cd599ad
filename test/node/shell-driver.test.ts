/** The shell driver and call decisions as pure logic: marks with a nonce, terminal facts, half-typed lines, plain shells. */
import { describe, expect, it } from "vitest";
import type { TerminalFacts } from "../../protocol/index.ts";
import { decideCall } from "../../durable-objects/terminal-session/call-outcome.ts";
import type { CallRecord } from "../../durable-objects/terminal-session/call-store.ts";
import { promptLineText } from "../../durable-objects/terminal-session/prompt-line.ts";
import { ShellDriver } from "../../durable-objects/terminal-session/shell-driver.ts";

const NONCE = "n0nce";
const mark = (body: string, nonce: string | null = NONCE) =>
  `\x1b]133;${body}${nonce ? `;n=${nonce}` : ""}\x07`;
const PROMPT = `${mark("A")}$ ${mark("B")}`;
const AT_PROMPT: TerminalFacts = {
  shellInForeground: true,
  reading: "poll",
  shellReads: 10,
  foreground: ["bash"],
};
const RUNNING: TerminalFacts = {
  shellInForeground: false,
  reading: null,
  shellReads: 10,
  foreground: ["sleep"],
};
const READING: TerminalFacts = {
  shellInForeground: false,
  reading: "read",
  shellReads: 10,
  foreground: ["cat"],
};

/** A driver over an in-memory output stream. */
function harness(marks = true, cols = 80) {
  const bytes: number[] = [];
  const driver = new ShellDriver(0, false, () => cols);
  driver.onHello(marks, marks ? NONCE : null);
  const read = (from: number, to: number) => Uint8Array.from(bytes.slice(from, to));
  return {
    driver,
    read,
    out(text: string) {
      const data = new TextEncoder().encode(text);
      driver.onOutput(bytes.length, data);
      bytes.push(...data);
    },
    facts(facts: TerminalFacts, probe = driver.newProbe()) {
      return driver.onFacts(probe, bytes.length, facts);
    },
    phase: () => driver.phase(read),
  };
}

function call(overrides: Partial<CallRecord>): CallRecord {
  return {
    id: "c1",
    kind: "command",
    text: "cmd",
    fingerprint: "",
    clearLine: false,
    phase: "queued",
    createdAt: 0,
    clearFrom: null,
    clearedLine: null,
    typedAt: null,
    readsAtTyping: null,
    result: null,
    ...overrides,
  };
}

describe("promptLineText", () => {
  it("replays the line editor's drawing: echoes, backspaces, cursor moves and erases", () => {
    const line = (text: string) => promptLineText(new TextEncoder().encode(text));
    expect(line("echo AAA")).toBe("echo AAA");
    expect(line("lss\b \b")).toBe("ls");
    expect(line("ac\bbc\b")).toBe("abc");
    expect(line("abcdef\x1b[3D\x1b[K")).toBe("abc");
    expect(line("abc\x1b[2D\x1b[P")).toBe("ac");
    expect(line("\x1b[32mgreen\x1b[0m")).toBe("green");
    expect(line("abc\r\x1b[K")).toBe("");
  });

  it("joins a line that wraps at the right margin, after a prompt of any width", () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    const prompt = `${"p".repeat(74)} # `; // 77 columns
    // zsh, byte for byte: "ech" fills the row, " \r" forces the wrap, then the new row is redrawn.
    const zle = "e\bech \r\x1b[Ko\ro AAA";
    expect(promptLineText(encode(zle), { prompt: encode(prompt), cols: 80 })).toBe("echo AAA");
    // readline: the terminal wraps by itself.
    expect(promptLineText(encode("echo AAA"), { prompt: encode(prompt), cols: 80 })).toBe(
      "echo AAA",
    );
    // A blank that lands in the last column is part of the line.
    expect(
      promptLineText(encode("ec  AAA"), { prompt: encode(`${"p".repeat(77)}`), cols: 80 }),
    ).toBe("ec  AAA");
    // A two-line prompt: typing starts after the second line's prompt.
    expect(
      promptLineText(encode("ls -l"), { prompt: encode("user@host ~/src\r\n$ "), cols: 80 }),
    ).toBe("ls -l");
    // Erased after a wrap (zle moves up and erases below): nothing is left.
    expect(
      promptLineText(encode(`${zle}\r\x1b[A\x1b[77C\x1b[J`), { prompt: encode(prompt), cols: 80 }),
    ).toBe("");
  });
});

describe("ShellDriver with marks", () => {
  it("is starting until the prompt is drawn (B), then ready: no timer, however slow the rc file", () => {
    const h = harness();
    expect(h.phase()).toBe("starting");
    h.out("Welcome! loading pyenv...\r\n");
    expect(h.phase()).toBe("starting");
    h.out(mark("A") + "$ ");
    expect(h.phase()).toBe("starting");
    h.out(mark("B"));
    expect(h.phase()).toBe("ready");
  });

  it("reads a half-typed line that zsh wrapped past the margin of a long prompt", () => {
    const h = harness(true, 80);
    h.out(`${mark("A")}${"p".repeat(74)} # ${mark("B")}`);
    h.driver.onInput();
    h.out("e\bech \r\x1b[Ko\ro AAA");
    h.facts(AT_PROMPT);
    expect(h.phase()).toBe("pending_line");
    expect(h.driver.lineText(h.read)).toBe("echo AAA");
  });

  it("knows a person's half-typed line from the facts, and what is on it", () => {
    const h = harness();
    h.out(PROMPT);
    h.driver.onInput();
    h.out("echo AAA");
    expect(h.phase()).toBe("settling");
    expect(h.facts(AT_PROMPT)).toBe(true);
    expect(h.phase()).toBe("pending_line");
    expect(h.driver.lineText(h.read)).toBe("echo AAA");
    // Erased again: the line is empty, so the prompt is ready.
    h.driver.onInput();
    h.out("\b \b".repeat(8));
    h.facts(AT_PROMPT);
    expect(h.phase()).toBe("ready");
  });

  it("runs from C to D, and a command blocked reading the terminal is 'reading' only while the facts are current", () => {
    const h = harness();
    h.out(PROMPT);
    h.driver.onInput();
    h.out(`cat\r\n${mark("C")}`);
    expect(h.phase()).toBe("running");
    h.facts(READING);
    expect(h.phase()).toBe("reading");
    h.out("more output");
    expect(h.phase()).toBe("running");
    h.facts(RUNNING);
    expect(h.phase()).toBe("running");
    h.out(`${mark("D;0")}${PROMPT}`);
    expect(h.phase()).toBe("ready");
  });

  it("drops facts from a probe sent before input reached the shell", () => {
    const h = harness();
    h.out(`${PROMPT}cat\r\n${mark("C")}`);
    const probe = h.driver.newProbe();
    h.driver.onInput();
    expect(h.facts(READING, probe)).toBe(false);
    expect(h.phase()).toBe("running");
  });

  it("ignores marks without the session's nonce", () => {
    const h = harness();
    h.out(`${PROMPT}x\r\n${mark("C")}`);
    h.out(`${mark("D;0", null)}${mark("D;0", "forged")}${mark("A", null)}${mark("B", null)}`);
    expect(h.phase()).toBe("running");
    expect(h.driver.marksSince(0).map((m) => m.kind)).toEqual(["A", "B", "C"]);
  });

  it("is exited once the shell exits", () => {
    const h = harness();
    h.out(PROMPT);
    h.driver.onExit();
    expect(h.phase()).toBe("exited");
  });
});

describe("ShellDriver without marks (plain shells)", () => {
  it("is ready when the shell itself waits reading the terminal, and running while a job is in the foreground", () => {
    const h = harness(false);
    h.out("$ ");
    expect(h.phase()).toBe("starting");
    h.facts({ ...AT_PROMPT, reading: "read" });
    expect(h.phase()).toBe("ready");
    expect(h.driver.plainPrompt).toBe("$ ");
    h.driver.onInput();
    h.out("sleep 5\r\n");
    h.facts(RUNNING);
    expect(h.phase()).toBe("running");
    h.facts(READING);
    expect(h.phase()).toBe("reading");
  });
});

describe("decideCall", () => {
  it("types a queued command at a ready prompt, refuses it over a person's line, or clears the line when asked", () => {
    const h = harness();
    h.out(PROMPT);
    expect(decideCall(call({}), h.driver, h.read)).toEqual({ kind: "type" });
    h.driver.onInput();
    h.out("echo AAA");
    h.facts(AT_PROMPT);
    expect(decideCall(call({}), h.driver, h.read)).toMatchObject({
      kind: "refuse",
      code: "input_pending",
    });
    expect(decideCall(call({ clearLine: true }), h.driver, h.read)).toEqual({
      kind: "clear",
      line: "echo AAA",
    });
  });

  it("ends a typed command at D with its exit code and exactly the bytes between C and D", () => {
    const h = harness();
    h.out(PROMPT);
    const typed = call({ phase: "typed", typedAt: h.driver.end });
    h.out(`printf 'one\\ntwo\\n'\r\n${mark("C")}`);
    const start = h.driver.end;
    h.out("one\r\ntwo\r\n");
    const end = h.driver.end;
    expect(decideCall(typed, h.driver, h.read)).toEqual({ kind: "wait", needFacts: true });
    h.out(`${mark("D;3")}${PROMPT}`);
    expect(decideCall(typed, h.driver, h.read)).toEqual({
      kind: "final",
      status: "completed",
      exitCode: 3,
      outputStart: start,
      outputEnd: end,
    });
  });

  it("says awaiting_input only from facts taken after the command started", () => {
    const h = harness();
    h.out(PROMPT);
    const typed = call({ phase: "typed", typedAt: h.driver.end });
    h.out(`read -p x\r\n${mark("C")}Password: `);
    expect(decideCall(typed, h.driver, h.read)).toMatchObject({ kind: "wait" });
    h.facts({ ...AT_PROMPT, reading: "read" });
    expect(decideCall(typed, h.driver, h.read)).toMatchObject({
      kind: "final",
      status: "awaiting_input",
      exitCode: null,
    });
  });

  it("ends input typed into a running command at its D, and a line that ran nothing at the next prompt", () => {
    const h = harness();
    h.out(`${PROMPT}sleep 9\r\n${mark("C")}`);
    const input = call({ kind: "input", text: "\u0003", phase: "typed", typedAt: h.driver.end });
    h.out(`^C\r\n${mark("D;130")}${PROMPT}`);
    expect(decideCall(input, h.driver, h.read)).toMatchObject({
      kind: "final",
      status: "completed",
      exitCode: 130,
    });
    const blank = call({ phase: "typed", typedAt: h.driver.end });
    // The prompt hook's D without a status: nothing ran.
    h.out(`\r\n${mark("D")}${PROMPT}`);
    expect(decideCall(blank, h.driver, h.read)).toMatchObject({
      kind: "final",
      status: "completed",
      exitCode: null,
    });
  });

  it("a prompt redrawn on a resize (A again, no D) does not end a command whose line is still unread", () => {
    const h = harness();
    h.out(PROMPT);
    const typed = call({ phase: "typed", typedAt: h.driver.end });
    // readline redraws the prompt, and the typed line behind it, when SIGWINCH comes first.
    h.out(`\r\x1b[K\r${PROMPT}echo hi`);
    expect(decideCall(typed, h.driver, h.read)).toMatchObject({ kind: "wait" });
    h.out(`\r\n${mark("C")}hi\r\n${mark("D;0")}${PROMPT}`);
    const done = decideCall(typed, h.driver, h.read);
    expect(done).toMatchObject({ kind: "final", status: "completed", exitCode: 0 });
  });

  it("reads an unfinished command line (an open quote, PS2) as waiting for input", () => {
    const h = harness();
    h.out(PROMPT);
    const typed = call({ phase: "typed", typedAt: h.driver.end });
    h.driver.onInput();
    h.out(`echo "open\r\n> `);
    h.facts(AT_PROMPT);
    expect(decideCall(typed, h.driver, h.read)).toMatchObject({
      kind: "final",
      status: "awaiting_input",
    });
  });

  it("completes a plain shell's command only after the shell has read again at its prompt", () => {
    const h = harness(false);
    h.out("$ ");
    h.facts({ ...AT_PROMPT, reading: "read", shellReads: 5 });
    const typed = call({ phase: "typed", typedAt: h.driver.end, readsAtTyping: 5 });
    h.driver.onInput();
    h.facts({ ...AT_PROMPT, reading: "read", shellReads: 5 });
    expect(decideCall(typed, h.driver, h.read)).toEqual({ kind: "wait", needFacts: true });
    h.out("true\r\n$ ");
    h.facts({ ...AT_PROMPT, reading: "read", shellReads: 6 });
    expect(decideCall(typed, h.driver, h.read)).toMatchObject({
      kind: "final",
      status: "completed",
      exitCode: null,
    });
  });
});
