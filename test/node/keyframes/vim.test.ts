/** Keyframes of vim (alternate screen, colours, scroll regions, splits, a resize): a joiner from keyframe(K) + the bytes after K ends exactly like a watcher, and like tmux. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  joinDifferences,
  joinerFrom,
  keyframeAt,
  tailAloneDiffers,
} from "../../harness/keyframe-replay.ts";
import { RecordedPty } from "../../harness/recorded-pty.ts";
import {
  firstStyleDifference,
  firstTextDifference,
  screenRows,
  TmuxPane,
} from "../../harness/tmux-pane.ts";

const SOURCE = [
  "#include <stdio.h>",
  "",
  "/* A small program for vim to colour. */",
  "static int square(int x) {",
  "  return x * x;",
  "}",
  "",
  ...Array.from({ length: 60 }, (_, i) => `int value_${i} = ${i * 7}; // line ${i + 8}`),
  "",
  "int main(void) {",
  '  printf("%d\\n", square(12));',
  "  return 0;",
  "}",
  "/* the end */",
].join("\n");

const VIM = [
  "-u",
  "NONE",
  "-i",
  "NONE",
  "-N",
  "-n",
  "-c",
  "syntax on",
  "-c",
  "set number ruler",
  "sample.c",
];

/** Screens that show vim's windows side by side (the vertical separator). */
const sideBySide = (screen: string[]): boolean =>
  screen.filter((row) => row.includes(" | ") || row.includes("|  ")).length >= 5;

/** The keystrokes, each with what the screen shows once vim has done it (and only then). */
const STEPS: [keys: string, what: string, done: (screen: string[]) => boolean][] = [
  ["G", "the end of the file", (s) => s.some((row) => row.includes("the end"))],
  [
    "gg",
    "the start again",
    (s) =>
      s.some((row) => row.includes("#include <stdio.h>")) &&
      !s.some((row) => row.includes("the end")),
  ],
  ["12j", "the cursor line in the status", (s) => s.some((row) => /13,1\s/.test(row))],
  [":split\r", "two windows", (s) => s.filter((row) => row.includes("sample.c")).length >= 2],
  [
    "ointeresting = 1; /* typed in insert mode */\x1b",
    "the typed line",
    (s) => s.some((row) => row.includes("typed in insert mode")),
  ],
  [":vsplit\r", "windows side by side", sideBySide],
];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "keyframes-vim-"));
  writeFileSync(join(dir, "sample.c"), `${SOURCE}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("vim", () => {
  it("joiners from keyframes anywhere end like the watcher: in the splits, after a resize, after :q", async () => {
    const vim = new RecordedPty("vim", VIM, { cwd: dir });
    try {
      await vim.waitForText("#include <stdio.h>");
      for (const [keys, what, done] of STEPS) {
        vim.type(keys);
        await vim.waitForScreen(what, done);
      }
      const inSplits = vim.recording.length;

      // A resize mid-program: vim redraws for 100x30 (its last window's status line moves down).
      vim.resize(100, 30);
      await vim.waitForScreen(
        "vim redrawn for 30 rows",
        (screen) =>
          screen.length === 30 && screen.slice(24).some((row) => row.includes("sample.c")),
      );
      vim.type(":qa!\r");
      await vim.waitForExit();

      const running = vim.recording.until(inSplits);
      expect(joinDifferences(running, [0.05, 0.3, 0.5, 0.8, 0.97])).toEqual([]);
      expect(joinDifferences(vim.recording, [0.3, 0.6, 0.9])).toEqual([]);
      // Without a keyframe, the tail alone is not enough (the problem keyframes solve).
      expect(tailAloneDiffers(running, Math.floor(running.length * 0.5))).toBe(true);
    } finally {
      vim.close();
    }
  });

  it("the joiner's screen in the splits is tmux's screen for the same keys, text and colours", async () => {
    const vim = new RecordedPty("vim", VIM, { cwd: dir });
    const tmux = new TmuxPane(`vim ${VIM.map((a) => `'${a}'`).join(" ")}`, {
      cols: 80,
      rows: 24,
      cwd: dir,
    });
    try {
      await vim.waitForText("#include <stdio.h>");
      await tmux.waitForText("#include <stdio.h>");
      for (const [keys, what, done] of STEPS) {
        vim.type(keys);
        tmux.type(keys);
        await vim.waitForScreen(what, done);
        await tmux.waitForScreen(what, done);
      }
      const recording = vim.recording.until(vim.recording.length);
      const joiner = joinerFrom(
        keyframeAt(recording, Math.floor(recording.length / 2), 1000),
        recording,
        1000,
      );
      expect(firstTextDifference(tmux.screen(), screenRows(joiner))).toBeNull();
      const styled = tmux.styledScreen();
      expect(firstStyleDifference(styled, joiner)).toBeNull();
      styled.dispose();
      joiner.dispose();
    } finally {
      vim.close();
      tmux.close();
    }
  });
});
