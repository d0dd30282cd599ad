/** Several writers share one size, as tmux's "smallest": the smallest cols and rows among the writers' panels, so no panel clips the shell. */
import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { connectViewer, startSession, type Peer } from "./helpers.ts";

const resizes = (peer: Peer) =>
  peer.texts.filter((m) => m.type === "resize").map((m) => ({ cols: m.cols, rows: m.rows }));

async function describeSize(id: string): Promise<{ cols: number; rows: number }> {
  const info = await env.SESSIONS.get(env.SESSIONS.idFromName(id)).describe();
  return info!.size;
}

it("a bigger writer never enlarges the session past a smaller one, and when the smaller leaves the size grows to the remaining writer's", async () => {
  const s = await startSession();
  const small = await connectViewer(s.id, s.writerToken);
  const big = await connectViewer(s.id, s.writerToken);
  const viewer = await connectViewer(s.id, s.viewerToken);
  await Promise.all([small.message("welcome"), big.message("welcome"), viewer.message("welcome")]);

  small.sendText({ type: "resize", cols: 90, rows: 30 });
  await s.runner.until(() => resizes(s.runner).length === 1 && true, "the first resize");
  big.sendText({ type: "resize", cols: 125, rows: 35 });
  // Wider in one dimension only: each dimension takes its own smallest.
  big.sendText({ type: "resize", cols: 70, rows: 40 });
  await s.runner.until(() => resizes(s.runner).length === 2 && true, "the second resize");
  expect(resizes(s.runner)).toEqual([
    { cols: 90, rows: 30 },
    { cols: 70, rows: 30 },
  ]);
  big.sendText({ type: "resize", cols: 125, rows: 35 });
  await s.runner.until(() => resizes(s.runner).length === 3 && true, "the third resize");
  expect(resizes(s.runner)[2]).toEqual({ cols: 90, rows: 30 });
  // Everyone, the read-only viewer included, was told each size the session took, and no other.
  await viewer.until(() => resizes(viewer).length === 3 && true, "three resizes");
  expect(resizes(viewer)).toEqual(resizes(s.runner));
  expect(await describeSize(s.id)).toEqual({ cols: 90, rows: 30 });

  small.ws.close(1000);
  await s.runner.until(() => resizes(s.runner).length === 4 && true, "the resize after leaving");
  expect(resizes(s.runner)[3]).toEqual({ cols: 125, rows: 35 });
  await big.until(() => resizes(big).length === 4 && true, "the grown size");
  expect(resizes(big)[3]).toEqual({ cols: 125, rows: 35 });
  expect(await describeSize(s.id)).toEqual({ cols: 125, rows: 35 });

  // The last writer leaves: nobody declares a size, so the size stays.
  big.ws.close(1000);
  await viewer.until(
    () => viewer.texts.some((m) => m.type === "viewers" && (m.viewers as unknown[]).length === 1),
    "the writer gone",
  );
  expect(await describeSize(s.id)).toEqual({ cols: 125, rows: 35 });
  expect(resizes(s.runner)).toHaveLength(4);
});

it("a read-only viewer's resize is refused and never counts toward the size", async () => {
  const s = await startSession();
  const writer = await connectViewer(s.id, s.writerToken);
  const viewer = await connectViewer(s.id, s.viewerToken);
  await Promise.all([writer.message("welcome"), viewer.message("welcome")]);
  viewer.sendText({ type: "resize", cols: 20, rows: 5 });
  expect(await viewer.message("error")).toMatchObject({ code: "read_only" });
  writer.sendText({ type: "resize", cols: 100, rows: 30 });
  await s.runner.until(() => resizes(s.runner).length === 1 && true, "the writer's resize");
  expect(resizes(s.runner)).toEqual([{ cols: 100, rows: 30 }]);
  expect(await describeSize(s.id)).toEqual({ cols: 100, rows: 30 });
});

it("a writer that joins later with a smaller panel shrinks the size for everyone", async () => {
  const s = await startSession();
  const first = await connectViewer(s.id, s.writerToken);
  await first.message("welcome");
  first.sendText({ type: "resize", cols: 120, rows: 40 });
  await s.runner.until(() => resizes(s.runner).length === 1 && true, "the first writer's size");
  const second = await connectViewer(s.id, s.writerToken);
  // The welcome carries the session's size as it is, before the newcomer has said anything.
  expect((await second.message("welcome")).size).toEqual({ cols: 120, rows: 40 });
  second.sendText({ type: "resize", cols: 90, rows: 50 });
  await first.until(() => resizes(first).length === 2 && true, "the shrunk size");
  expect(resizes(first)[1]).toEqual({ cols: 90, rows: 40 });
  expect(resizes(s.runner)).toEqual([
    { cols: 120, rows: 40 },
    { cols: 90, rows: 40 },
  ]);
});
