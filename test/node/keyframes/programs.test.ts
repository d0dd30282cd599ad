/** Keyframes of full-screen programs (less, htop, vttest): a joiner from keyframe(K) + the bytes after K ends exactly like a watcher, while they run and after they quit. */
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

const FRACTIONS = [0.1, 0.25, 0.5, 0.75, 0.9, 0.99];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "keyframes-programs-"));
  // A long file with some colour for less -R.
  const lines = Array.from({ length: 3000 }, (_, i) =>
    i % 7 === 0
      ? `line ${i + 1}: \x1b[1;32mgreen and bold\x1b[0m, then plain text to make it longer`
      : `line ${i + 1}: plain text`,
  );
  writeFileSync(join(dir, "long.txt"), `${lines.join("\n")}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Keys for less, each with the fact that shows it was done. */
const LESS_STEPS: [keys: string, what: string, done: (screen: string[]) => boolean][] = [
  [" ", "the second page", (s) => s.some((row) => row.startsWith("line 30:"))],
  ["jjjjj", "five lines further", (s) => s[0]?.startsWith("line 29:") === true],
  ["/line 1500:\r", "the search hit", (s) => s[0]?.startsWith("line 1500:") === true],
  ["G", "the end", (s) => s.some((row) => row.includes("(END)"))],
  ["g", "the start", (s) => s[0]?.startsWith("line 1:") === true],
];

describe("less", () => {
  it("joiners end like the watcher while it pages and searches, and after it quits", async () => {
    const less = new RecordedPty("less", ["-R", "long.txt"], { cwd: dir });
    try {
      await less.waitForText("line 1:");
      for (const [keys, what, done] of LESS_STEPS) {
        less.type(keys);
        await less.waitForScreen(what, done);
      }
      const running = less.recording.length;
      less.type("q");
      await less.waitForExit();
      expect(joinDifferences(less.recording.until(running), FRACTIONS)).toEqual([]);
      expect(joinDifferences(less.recording, [0.5, 0.95])).toEqual([]);
      expect(tailAloneDiffers(less.recording.until(running), Math.floor(running * 0.5))).toBe(true);
    } finally {
      less.close();
    }
  });

  it("the joiner's screen is tmux's screen for the same keys, text and colours", async () => {
    const less = new RecordedPty("less", ["-R", "long.txt"], { cwd: dir });
    const tmux = new TmuxPane("less -R long.txt", { cols: 80, rows: 24, cwd: dir });
    try {
      await less.waitForText("line 1:");
      await tmux.waitForText("line 1:");
      for (const [keys, what, done] of LESS_STEPS.slice(0, 3)) {
        less.type(keys);
        tmux.type(keys);
        await less.waitForScreen(what, done);
        await tmux.waitForScreen(what, done);
      }
      const recording = less.recording.until(less.recording.length);
      const joiner = joinerFrom(
        keyframeAt(recording, Math.floor(recording.length * 0.6), 1000),
        recording,
        1000,
      );
      expect(firstTextDifference(tmux.screen(), screenRows(joiner))).toBeNull();
      const styled = tmux.styledScreen();
      expect(firstStyleDifference(styled, joiner)).toBeNull();
      styled.dispose();
      joiner.dispose();
    } finally {
      less.close();
      tmux.close();
    }
  });
});

describe("htop", () => {
  it("joiners end like the watcher across refreshes, the tree view and mouse mode, and after it quits", async () => {
    const htop = new RecordedPty("htop", ["-d", "3"], { cwd: dir });
    try {
      await htop.waitForText("Load average");
      // Some refreshes: the uptime it shows moves on.
      const first = htop.screen().find((row) => row.includes("Uptime")) ?? "";
      await htop.waitForScreen("a refresh", (s) =>
        s.some((row) => row.includes("Uptime") && row !== first),
      );
      htop.type("t");
      await htop.waitForScreen("the tree view", (s) =>
        s.some((row) => row.includes("├─") || row.includes("└─")),
      );
      const inTree = htop.recording.length;
      await htop.waitForScreen("more output", () => htop.recording.length > inTree);
      const running = htop.recording.length;
      // htop turns on mouse reporting; the joiner must know.
      expect(htop.live.modes.mouseTrackingMode).not.toBe("none");
      htop.type("q");
      await htop.waitForExit();
      expect(joinDifferences(htop.recording.until(running), FRACTIONS)).toEqual([]);
      expect(joinDifferences(htop.recording, [0.5, 0.95])).toEqual([]);
    } finally {
      htop.close();
    }
  });
});

/** vttest's "Test of screen features", screen by screen: the key, and a fact only that screen shows. */
const VTTEST_SCREENS: [keys: string, fact: (screen: string[]) => boolean][] = [
  ["2\r", (s) => s.some((row) => row.includes("Test of WRAP AROUND mode setting."))],
  ["\r", (s) => s.some((row) => row.includes("Test of TAB setting/resetting."))],
  ["\r", (s) => s.some((row) => row.includes("132 column mode, light background."))],
  ["\r", (s) => s.some((row) => row.includes("80 column mode, light background."))],
  ["\r", (s) => s.some((row) => row.includes("132 column mode, dark background."))],
  ["\r", (s) => s.some((row) => row.includes("80 column mode, dark background."))],
  [
    "\r",
    (s) =>
      s.includes("Push <RETURN>") &&
      s.some((row) => row.includes("Soft scroll down region [12..13]")),
  ],
  [
    "\r",
    (s) =>
      s.includes("Push <RETURN>") &&
      s.some((row) => row.includes("Soft scroll down region [1..24]")),
  ],
  [
    "\r",
    (s) =>
      s.includes("Push <RETURN>") &&
      s.some((row) => row.includes("Jump scroll down region [12..13]")),
  ],
  [
    "\r",
    (s) =>
      s.includes("Push <RETURN>") &&
      s.some((row) => row.includes("Jump scroll down region [1..24]")),
  ],
  ["\r", (s) => s.some((row) => row.includes("the one above the bottom of the screen"))],
  ["\r", (s) => s.some((row) => row.includes("This line should be at the top of the screen."))],
  ["\r", (s) => s.some((row) => row.includes("Dark background. Push <RETURN>"))],
  ["\r", (s) => s.some((row) => row.includes("Light background. Push <RETURN>"))],
  ["\r", (s) => s.some((row) => row.includes("A's filling the top left of the screen."))],
  ["\r", (s) => s.some((row) => row.includes("Enter choice number"))],
];

describe("vttest", () => {
  it("joiners from a keyframe on every screen of its screen-features test end like the watcher", async () => {
    const vttest = new RecordedPty("vttest", [], { cwd: dir });
    try {
      await vttest.waitForText("Enter choice number");
      const screens: number[] = [];
      for (const [index, [keys, fact]] of VTTEST_SCREENS.entries()) {
        vttest.type(keys);
        await vttest.waitForScreen(`screen ${index + 1}`, fact);
        screens.push(vttest.recording.length);
      }
      vttest.type("0\r");
      await vttest.waitForExit();
      // For each screen: joiners from keyframes in it, compared at its end and at the very end.
      const differences: string[] = [];
      let from = 0;
      for (const end of screens) {
        const upTo = vttest.recording.until(end);
        const fractions = [from / end + (1 - from / end) * 0.5, (end - 1) / end];
        differences.push(...joinDifferences(upTo, fractions));
        from = end;
      }
      differences.push(...joinDifferences(vttest.recording, FRACTIONS));
      expect(differences).toEqual([]);
    } finally {
      vttest.close();
    }
  });
});
