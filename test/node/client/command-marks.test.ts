/** The pure parts of command decorations: reading OSC 133 marks, following commands through them, the text between two places, and which prompt a jump goes to. */
import { Terminal } from "@xterm/headless";
import { afterEach, describe, expect, it } from "vitest";
import {
  isMacPlatform,
  jumpDirection,
  jumpOrigin,
  jumpTarget,
  type JumpKey,
} from "../../../client/src/terminal/command-jumps.ts";
import {
  CommandTracker,
  describeCommand,
  parseMark,
  type PanelMark,
} from "../../../client/src/terminal/command-marks.ts";
import { textBetween } from "../../../client/src/terminal/command-text.ts";

describe("reading a mark", () => {
  it("reads A, B, C and D whatever nonce they carry (the viewer cannot check it)", () => {
    expect(parseMark("A;n=abc")).toEqual({ kind: "A", exitCode: null, commandLine: null });
    expect(parseMark("B")).toEqual({ kind: "B", exitCode: null, commandLine: null });
    expect(parseMark("D;0;n=abc")).toEqual({ kind: "D", exitCode: 0, commandLine: null });
    expect(parseMark("D;7")).toEqual({ kind: "D", exitCode: 7, commandLine: null });
    expect(parseMark("D;3;n=forged-or-not")?.exitCode).toBe(3);
  });

  it("a D without a status (a line that ran nothing) has no exit code", () => {
    expect(parseMark("D;n=abc")).toEqual({ kind: "D", exitCode: null, commandLine: null });
    expect(parseMark("D")?.exitCode).toBeNull();
  });

  it("a C carries its percent-encoded command line, UTF-8 included; a bad encoding says nothing", () => {
    expect(parseMark("C;cmdline_url=ls%20-l%20%2Ftmp;cwd=%2Froot;n=x")?.commandLine).toBe(
      "ls -l /tmp",
    );
    expect(parseMark("C;cmdline_url=echo%20%C3%A9t%C3%A9%3B%20true;n=x")?.commandLine).toBe(
      "echo été; true",
    );
    expect(parseMark("C;cmdline_url=%C3;n=x")?.commandLine).toBeNull();
    expect(parseMark("C;cwd=%2Ftmp;n=x")?.commandLine).toBeNull();
  });

  it("anything else is not a mark", () => {
    for (const payload of ["", "E;ls", "P;k=i", "AA", "a"]) expect(parseMark(payload)).toBeNull();
  });
});

/** A tracker whose places are numbers (the cursor's "position"), with what was let go. */
function tracked() {
  let cursor = 0;
  let alternate = false;
  const released: number[] = [];
  const tracker = new CommandTracker<number>({
    here: () => (alternate ? null : cursor),
    release: (place) => released.push(place),
  });
  const at = (position: number, payload: string) => {
    cursor = position;
    return tracker.mark(parseMark(payload) as PanelMark);
  };
  return { tracker, at, released, setAlternate: (on: boolean) => (alternate = on) };
}

describe("following commands", () => {
  it("A, B, C, D;0 is a command that succeeded; D;1 and D;3 ones that failed, each with its status", () => {
    const { tracker, at } = tracked();
    at(0, "A");
    at(1, "B");
    expect(at(2, "C;cmdline_url=true")).toMatchObject([{ kind: "started" }]);
    expect(tracker.commands[0]).toMatchObject({ prompt: 0, outputStart: 2, state: "running" });
    expect(at(3, "D;0")).toMatchObject([{ kind: "finished" }]);
    at(4, "A");
    at(5, "B");
    at(6, "C;cmdline_url=false");
    at(7, "D;1");
    at(8, "A");
    at(9, "C");
    at(10, "D;3");
    expect(
      tracker.commands.map((c) => [c.prompt, c.outputStart, c.outputEnd, c.state, c.exitCode]),
    ).toEqual([
      [0, 2, 3, "success", 0],
      [4, 6, 7, "failure", 1],
      [8, 9, 10, "failure", 3],
    ]);
    expect(tracker.commands.map((c) => c.id)).toEqual([1, 2, 3]);
  });

  it("an empty line (D with no command running) is no command, and its prompt is let go", () => {
    const { tracker, at, released } = tracked();
    at(0, "A");
    at(1, "B");
    expect(at(2, "D")).toEqual([]);
    expect(tracker.commands).toEqual([]);
    expect(released).toEqual([0]);
  });

  it("a prompt drawn again (a resize) moves the command's prompt to the new one", () => {
    const { tracker, at, released } = tracked();
    at(0, "A");
    at(5, "A");
    at(6, "B");
    at(7, "C");
    expect(tracker.commands[0]?.prompt).toBe(5);
    expect(released).toEqual([0]);
  });

  it("without A or B the command's mark goes where it started", () => {
    const { tracker, at } = tracked();
    at(4, "C");
    expect(tracker.commands[0]).toMatchObject({ prompt: 4, outputStart: 4 });
  });

  it("a C while a command runs ends that one without a status first", () => {
    const { tracker, at } = tracked();
    at(0, "C");
    expect(at(3, "C").map((e) => e.kind)).toEqual(["finished", "started"]);
    expect(tracker.commands.map((c) => [c.state, c.outputEnd])).toEqual([
      ["unknown", 3],
      ["running", null],
    ]);
  });

  it("a D after a keyframe (its C came before) draws nothing", () => {
    const { tracker, at } = tracked();
    at(0, "A");
    at(1, "C");
    tracker.reset();
    expect(at(5, "D;0")).toEqual([]);
    expect(tracker.commands).toEqual([]);
  });

  it("a reset or a forgotten command lets every place go", () => {
    const { tracker, at, released } = tracked();
    at(0, "A");
    at(1, "C");
    at(2, "D;0");
    at(3, "A");
    at(4, "C");
    at(5, "D;1");
    at(6, "A");
    tracker.forget(tracker.commands[0]!);
    expect(released.sort((a, b) => a - b)).toEqual([0, 1, 2]);
    expect(tracker.reset()).toHaveLength(1);
    expect(released.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(tracker.commands).toEqual([]);
  });

  it("in the alternate screen no place can be held: a C there starts no command", () => {
    const { tracker, at, setAlternate } = tracked();
    setAlternate(true);
    at(0, "A");
    at(0, "C");
    expect(tracker.commands).toEqual([]);
  });

  it("the tooltip says how it ended and the command line", () => {
    expect(describeCommand({ state: "failure", exitCode: 3, commandLine: "(exit 3)" })).toBe(
      "(exit 3)\nFailed (exit code 3)",
    );
    expect(describeCommand({ state: "success", exitCode: 0, commandLine: null })).toBe(
      "Succeeded (exit code 0)",
    );
    expect(describeCommand({ state: "running", exitCode: null, commandLine: null })).toBe(
      "Running",
    );
  });
});

describe("the text between two places (Copy output)", () => {
  const terminals: Terminal[] = [];
  afterEach(() => {
    for (const terminal of terminals.splice(0)) terminal.dispose();
  });
  const headless = async (text: string) => {
    const terminal = new Terminal({ cols: 80, rows: 10, scrollback: 100, allowProposedApi: true });
    terminals.push(terminal);
    await new Promise<void>((resolve) => terminal.write(text, resolve));
    const buffer = terminal.buffer.active;
    return { buffer, end: { line: buffer.baseY + buffer.cursorY, x: buffer.cursorX } };
  };

  it("is what the terminal shows: rows joined with \\n, wrapped rows joined, blank cells at a row's end dropped but printed spaces kept", async () => {
    const long = "0".repeat(200);
    const { buffer, end } = await headless(
      `$ cmd\r\nalpha   \r\n  beta\x1b[5Cx\x1b[20C\r\n${long}\r\nend`,
    );
    expect(textBetween(buffer, { line: 1, x: 0 }, end)).toBe(
      `alpha   \n  beta     x\n${long}\nend`,
    );
  });

  it("ends with \\n when the output did, and is empty when there was none", async () => {
    const { buffer, end } = await headless("$ cmd\r\nhi\r\n");
    expect(textBetween(buffer, { line: 1, x: 0 }, end)).toBe("hi\n");
    expect(textBetween(buffer, end, end)).toBe("");
  });

  it("keeps blanks that wrap onto the next row, and starts and ends mid-row", async () => {
    const { buffer } = await headless(`x${" ".repeat(79)}b tail`);
    expect(textBetween(buffer, { line: 0, x: 0 }, { line: 1, x: 1 })).toBe(`x${" ".repeat(79)}b`);
    expect(textBetween(buffer, { line: 1, x: 2 }, { line: 1, x: 6 })).toBe("tail");
  });

  it("the output as the terminal shows it: a progress line rewritten with \\r shows its last state", async () => {
    const { buffer, end } = await headless("$ cmd\r\n 10%\r 50%\r100%\r\n");
    expect(textBetween(buffer, { line: 1, x: 0 }, end)).toBe("100%\n");
  });
});

describe("jumping between commands", () => {
  const key = (name: string, mods: Partial<JumpKey> = {}): JumpKey => ({
    key: name,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    ...mods,
  });

  it("Ctrl+Up / Ctrl+Down elsewhere, Cmd+Up / Cmd+Down on macOS, and no other combination", () => {
    expect(jumpDirection(key("ArrowUp", { ctrlKey: true }), false)).toBe("previous");
    expect(jumpDirection(key("ArrowDown", { ctrlKey: true }), false)).toBe("next");
    expect(jumpDirection(key("ArrowUp", { metaKey: true }), true)).toBe("previous");
    expect(jumpDirection(key("ArrowDown", { metaKey: true }), true)).toBe("next");
    expect(jumpDirection(key("ArrowUp", { ctrlKey: true }), true)).toBeNull();
    expect(jumpDirection(key("ArrowUp", { metaKey: true }), false)).toBeNull();
    expect(jumpDirection(key("ArrowUp"), false)).toBeNull();
    expect(jumpDirection(key("ArrowUp", { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(jumpDirection(key("ArrowUp", { ctrlKey: true, altKey: true }), false)).toBeNull();
    expect(jumpDirection(key("ArrowLeft", { ctrlKey: true }), false)).toBeNull();
    expect(isMacPlatform("MacIntel")).toBe(true);
    expect(isMacPlatform("iPhone")).toBe(true);
    expect(isMacPlatform("Linux x86_64")).toBe(false);
    expect(isMacPlatform("Win32")).toBe(false);
  });

  const prompts = [10, 80, 150];

  it("at the bottom, up goes to the newest prompt above the cursor; down has nowhere to go", () => {
    const view = { viewportY: 160, baseY: 160, cursorLine: 190, lastJump: null };
    expect(jumpTarget(prompts, jumpOrigin(view, "previous"), "previous")).toBe(150);
    expect(jumpTarget(prompts, jumpOrigin(view, "next"), "next")).toBeNull();
  });

  it("scrolled by hand, it goes from the screen's top row", () => {
    const view = { viewportY: 80, baseY: 160, cursorLine: 190, lastJump: null };
    expect(jumpTarget(prompts, jumpOrigin(view, "previous"), "previous")).toBe(10);
    expect(jumpTarget(prompts, jumpOrigin(view, "next"), "next")).toBe(150);
  });

  it("after a jump it steps on from that prompt, also when the prompt is on the last screen and the viewport could not move", () => {
    const view = {
      viewportY: 160,
      baseY: 160,
      cursorLine: 190,
      lastJump: { line: 170, viewportY: 160 },
    };
    expect(jumpTarget([...prompts, 170, 175], jumpOrigin(view, "previous"), "previous")).toBe(150);
    expect(jumpTarget([...prompts, 170, 175], jumpOrigin(view, "next"), "next")).toBe(175);
    // Scrolled since: the jump no longer counts.
    const moved = { ...view, viewportY: 100 };
    expect(jumpOrigin(moved, "previous")).toBe(100);
  });

  it("above the first prompt there is nothing", () => {
    expect(jumpTarget(prompts, 10, "previous")).toBeNull();
    expect(jumpTarget([], 50, "previous")).toBeNull();
  });
});
