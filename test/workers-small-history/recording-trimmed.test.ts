/** A recording of a session whose history was trimmed (64 KiB cap): it starts where the history does, at the size the terminal had there. */
import { expect, it } from "vitest";
import { api, connectViewer, runnerWrite, startSession } from "../workers/helpers.ts";

it("starts at the retained history's first byte, with the size set before it", async () => {
  const s = await startSession();
  await runnerWrite(s.runner, 0, "a".repeat(10_000));
  const writer = await connectViewer(s.id, s.writerToken);
  writer.sendText({ type: "resize", cols: 100, rows: 30 });
  await writer.message("resize");
  // 100 KB more in 10 KB writes: the front, and the resize's offset with it, are trimmed.
  let text = "";
  for (let i = 0; i < 10; i++) {
    const part = String.fromCharCode(98 + i).repeat(10_000);
    await runnerWrite(s.runner, 10_000 + i * 10_000, part);
    text += part;
  }
  const info = (await (await api("GET", `/api/sessions/${s.id}`)).json()) as any;
  expect(info.history.start).toBeGreaterThan(10_000);
  const response = await api("GET", `/api/sessions/${s.id}/recording`);
  const [header, ...events] = (await response.text())
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(header).toMatchObject({ width: 100, height: 30 });
  const played = events
    .filter((event: any) => event[1] === "o")
    .map((event: any) => event[2])
    .join("");
  expect(played).toBe(text.slice(info.history.start - 10_000));
  expect(events.some((event: any) => event[1] === "r")).toBe(false);
});
