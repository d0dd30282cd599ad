/** Keyframes of programs that print what a keyframe must carry: colours and attributes, wide characters, a scroll region with a title and a saved cursor, modes, resizes. */
// Each program prints a first part and "READY", waits for a line of input, then prints a second
// part that relies on the state the first left (the pen, the scroll region, the saved cursor,
// insert mode...). Keyframes are taken anywhere in the first part and at the quiet moment before
// the input, so a joiner must carry that state across.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkJoin,
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

const SGR = String.raw`
printf '\033[1mbold\033[0m \033[3mitalic\033[0m \033[4munderline\033[0m \033[7minverse\033[0m \033[2mdim\033[0m \033[9mstrike\033[0m \033[8minvisible\033[0m \033[1;3;4;7mall\033[0m\n'
i=0
while [ $i -lt 256 ]; do
  printf '\033[38;5;%dm%4d' $i $i
  if [ $((i % 16)) -eq 15 ]; then printf '\033[0m\n'; fi
  i=$((i + 1))
done
i=0
while [ $i -lt 256 ]; do printf '\033[48;2;%d;%d;%dm ' $i $((255 - i)) $((i / 2)); i=$((i + 4)); done
printf '\033[0m\n\033[38;2;255;100;0;48;5;17mtruecolour on 256\033[0m \033[31;42mred on green\033[0m \033[91;104mbright\033[0m\n'
printf '\033[1;4;38;5;202mREADY'
read line
printf ' continues in the pen the first part left\n'
printf '\033[0mplain again\n'
`;

const WIDE = String.raw`
printf 'CJK: 中文字符 日本語のテキスト 한국어 텍스트 fullwidth ＡＢＣ\n'
printf 'emoji: 😀 🎉 🚀 ✨ and combining: e\314\201 a\314\210 n\314\203\n'
printf 'box: ┌──┬──┐ │ab│cd│ └──┴──┘\n'
# A wide character that does not fit in the last column wraps and leaves that column empty.
printf '%079d中文 after the wrap\n' 0
printf '%078d中文 exactly at the margin\n' 0
i=0
while [ $i -lt 30 ]; do printf '行%d: 漢字とかなの混じった文を何度も書く 😀\n' $i; i=$((i + 1)); done
printf 'READY'
read line
printf '%079d字 more wide text after the keyframe 字符\n' 0
printf 'done\n'
`;

const REGION = String.raw`
printf '\033]2;a title from the program\007\033]1;an icon name\007'
printf '\033[2J\033[Hheader line, above the scroll region\n'
printf '\033[24;1Hfooter line, below the scroll region'
printf '\033[5;15r\033[5;1H'
i=1
while [ $i -le 40 ]; do printf 'scrolling line %d\n' $i; i=$((i + 1)); done
printf '\033[32m\0337'
printf '\033[1;33m\033[2;1Hyellow on row 2 \033[0mREADY'
read line
printf '\0338'
i=41
while [ $i -le 60 ]; do printf 'green line %d in the region\n' $i; i=$((i + 1)); done
printf '\033[r\033[0m\033[24;1H'
`;

const MODES = String.raw`
printf '\033[?2004h\033[?1002h\033[?1006h\033[?1h\033=\033[?1004h\033[5 q'
printf 'a line that insert mode will push right\n'
printf 'the next line\n'
printf '\033[3;12r\033[?6h\033[4h\033[?7l'
printf '\033[1;1HREADY'
read line
printf '\033[1;1Hinserted>'
printf '\033[5;1H%0100d' 0
printf '\033[4l\033[?6l\033[r\033[?25l\033[12;1H'
`;

const RESIZE = String.raw`
i=1
while [ $i -le 30 ]; do printf 'long line %d that wraps: %0120d end\n' $i $i; i=$((i + 1)); done
printf 'wide near the margin %050d 中文字符漢字 end\n' 0
printf 'READY'
read line
printf 'after the first resize: %0090d end\n' 7
printf 'STEADY'
read line
printf 'after the second resize: %0140d end\n' 9
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "keyframes-sequences-"));
  for (const [name, script] of Object.entries({ SGR, WIDE, REGION, MODES, RESIZE })) {
    writeFileSync(join(dir, `${name.toLowerCase()}.sh`), script);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a script to its READY, then through `after`, then to its end; returns the recording and where READY was. */
async function run(
  name: string,
  after: (pty: RecordedPty) => Promise<void> = async (pty) => pty.type("\r"),
): Promise<{ pty: RecordedPty; ready: number }> {
  const pty = new RecordedPty("sh", [`${name}.sh`], { cwd: dir });
  await pty.waitForText("READY");
  const ready = pty.recording.length;
  await after(pty);
  await pty.waitForExit();
  return { pty, ready };
}

const FRACTIONS = [0.05, 0.2, 0.4, 0.6, 0.8];

describe("keyframes carry what programs set", () => {
  it("SGR: 256 colours, truecolour, bold/italic/underline/inverse/dim/strike/invisible, and the pen", async () => {
    const { pty, ready } = await run("sgr");
    try {
      const recording = pty.recording;
      // Anywhere in the first part, and at the quiet moment before the input (the pen is set there).
      expect(
        joinDifferences(
          recording,
          FRACTIONS.map((f) => (f * ready) / recording.length),
        ),
      ).toEqual([]);
      const atReady = checkJoin(recording, ready);
      expect(atReady.keyframe.offset).toBe(ready);
      expect(atReady.difference).toBeNull();
      // The second part printed in the pen the first part left.
      const continued = atReady.joiner.buffer.active;
      const row = [...Array(atReady.joiner.rows).keys()].find((y) =>
        continued
          .getLine(continued.baseY + y)
          ?.translateToString()
          .includes("continues in the pen"),
      )!;
      const cell = continued.getLine(continued.baseY + row)!.getCell(10)!;
      expect([!!cell.isBold(), !!cell.isUnderline(), cell.getFgColor()]).toEqual([true, true, 202]);
      atReady.watcher.dispose();
      atReady.joiner.dispose();
    } finally {
      pty.close();
    }
  });

  it("wide characters: CJK, emoji, combining marks, wrapping at the margin", async () => {
    const { pty, ready } = await run("wide");
    try {
      expect(
        joinDifferences(pty.recording, [
          ...FRACTIONS.map((f) => (f * ready) / pty.recording.length),
          ready / pty.recording.length,
        ]),
      ).toEqual([]);
    } finally {
      pty.close();
    }
  });

  it("a scroll region, a title and a saved cursor that the output after the keyframe relies on", async () => {
    const { pty, ready } = await run("region");
    try {
      const recording = pty.recording;
      expect(
        joinDifferences(recording, [
          ...FRACTIONS.map((f) => (f * ready) / recording.length),
          ready / recording.length,
        ]),
      ).toEqual([]);
      const atReady = checkJoin(recording, ready);
      // The header and footer stayed put while the region scrolled after the keyframe.
      const rows = screenRows(atReady.joiner);
      expect(rows[0]).toBe("header line, above the scroll region");
      expect(rows[23]).toBe("footer line, below the scroll region");
      expect(rows.some((row) => row.startsWith("green line 60"))).toBe(true);
      expect(
        atReady.joiner.buffer.active
          .getLine(atReady.joiner.buffer.active.baseY + 14)
          ?.translateToString(true),
      ).toBe("");
      // Without the keyframe, the tail alone puts everything elsewhere.
      expect(tailAloneDiffers(recording, ready)).toBe(true);
      atReady.watcher.dispose();
      atReady.joiner.dispose();
    } finally {
      pty.close();
    }
  });

  it("modes: bracketed paste, mouse and its encoding, cursor keys, keypad, focus, cursor style, origin, insert, no autowrap", async () => {
    const { pty, ready } = await run("modes");
    try {
      const recording = pty.recording;
      const atReady = checkJoin(recording, ready);
      expect(atReady.difference).toBeNull();
      expect(
        joinDifferences(
          recording,
          [0.3, 0.7].map((f) => (f * ready) / recording.length),
        ),
      ).toEqual([]);
      // The keyframe alone, before the output that turns modes off again, carries them.
      const joiner = joinerFrom(atReady.keyframe, recording.until(ready), 1000);
      expect(joiner.modes).toMatchObject({
        bracketedPasteMode: true,
        mouseTrackingMode: "drag",
        applicationCursorKeysMode: true,
        applicationKeypadMode: true,
        sendFocusMode: true,
        originMode: true,
        insertMode: true,
        wraparoundMode: false,
      });
      joiner.dispose();
      atReady.watcher.dispose();
      atReady.joiner.dispose();
    } finally {
      pty.close();
    }
  });

  it("resizes mid-program: joiners from before, between and after them reflow like the watcher", async () => {
    const { pty, ready } = await run("resize", async (program) => {
      program.resize(60, 20);
      program.type("\r");
      await program.waitForText("STEADY");
      program.resize(120, 30);
      program.type("\r");
    });
    try {
      expect(
        joinDifferences(pty.recording, [0.2, 0.5, 0.8, ready / pty.recording.length, 0.9, 0.97]),
      ).toEqual([]);
    } finally {
      pty.close();
    }
  });
});

describe("joiners show what tmux shows for the same program", () => {
  for (const name of ["sgr", "wide"]) {
    it(`${name}: text and colours at the quiet moment`, async () => {
      const pty = new RecordedPty("sh", [`${name}.sh`], { cwd: dir });
      const tmux = new TmuxPane(`sh ${name}.sh; sleep 60`, { cols: 80, rows: 24, cwd: dir });
      try {
        await pty.waitForText("READY");
        await tmux.waitForText("READY");
        const recording = pty.recording.until(pty.recording.length);
        const joiner = joinerFrom(
          keyframeAt(recording, Math.floor(recording.length * 0.7), 1000),
          recording,
          1000,
        );
        expect(firstTextDifference(tmux.screen(), screenRows(joiner))).toBeNull();
        const styled = tmux.styledScreen();
        expect(firstStyleDifference(styled, joiner)).toBeNull();
        styled.dispose();
        joiner.dispose();
      } finally {
        pty.close();
        tmux.close();
      }
    });
  }
});
