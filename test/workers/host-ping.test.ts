/** Host pings: a viewer's `host-ping` goes through the runner and its pong comes back to that viewer only; with no runner the session answers at once and says so. */
import { expect, it } from "vitest";
import { encodeInputFrame } from "../../protocol/index.ts";
import { connectViewer, startSession } from "./helpers.ts";

it("routes each viewer's ping through the runner and the runner's pong back to the viewer that sent it, after the keys sent before it", async () => {
  const s = await startSession();
  const writer = await connectViewer(s.id, s.writerToken);
  const viewer = await connectViewer(s.id, s.viewerToken);
  await Promise.all([writer.message("welcome"), viewer.message("welcome")]);

  writer.ws.send(encodeInputFrame(new TextEncoder().encode("ls\r")));
  writer.sendText({ type: "host-ping", id: 7 });
  // Two sockets' messages may arrive in either order: the viewer pings once the writer's is through.
  await s.runner.until(() => s.runner.texts.some((m) => m.type === "host-ping"), "the first ping");
  viewer.sendText({ type: "host-ping", id: 7 });
  // The fake runner sees the key before the ping: frames keep their order on the way (the
  // helper files a binary frame that reaches the runner under "output").
  const pings = await s.runner.until(() => {
    const found = s.runner.texts.filter((m) => m.type === "host-ping");
    return found.length === 2 && found;
  }, "two pings at the runner");
  expect(s.runner.inputs.map((b) => new TextDecoder().decode(b))).toEqual(["ls\r"]);
  expect(s.runner.sequence.indexOf("output")).toBeLessThan(s.runner.sequence.indexOf("host-ping"));
  // The session uses ids of its own, so two viewers' equal ids never mix.
  expect(pings[0]!.id).not.toBe(pings[1]!.id);

  // Answered in the opposite order: each pong still reaches the viewer whose ping it was.
  s.runner.sendText({ type: "host-pong", id: pings[1]!.id });
  expect(await viewer.message("host-pong")).toEqual({ type: "host-pong", id: 7, from: "host" });
  expect(writer.texts.some((m) => m.type === "host-pong")).toBe(false);
  s.runner.sendText({ type: "host-pong", id: pings[0]!.id });
  expect(await writer.message("host-pong")).toEqual({ type: "host-pong", id: 7, from: "host" });
  // An answer nobody is waiting for goes nowhere.
  s.runner.sendText({ type: "host-pong", id: pings[0]!.id });
  s.runner.sendText({ type: "host-pong", id: 999_999 });
  writer.sendText({ type: "host-ping", id: 8 });
  const third = await s.runner.until(
    () => s.runner.texts.filter((m) => m.type === "host-ping")[2],
    "a third ping",
  );
  s.runner.sendText({ type: "host-pong", id: third.id });
  await writer.until(
    () => writer.texts.filter((m) => m.type === "host-pong").length === 2 && true,
    "the second pong",
  );
  expect(writer.texts.filter((m) => m.type === "host-pong").map((m) => m.id)).toEqual([7, 8]);
  expect(viewer.texts.filter((m) => m.type === "host-pong")).toHaveLength(1);
});

it("answers a ping at once, saying the host was not reached, when no runner is connected", async () => {
  const s = await startSession();
  const writer = await connectViewer(s.id, s.writerToken);
  await writer.message("welcome");
  s.runner.ws.close(1000);
  await writer.until(
    () => writer.texts.some((m) => m.type === "runner" && m.state === "offline"),
    "runner offline",
  );
  writer.sendText({ type: "host-ping", id: 3 });
  expect(await writer.message("host-pong")).toEqual({ type: "host-pong", id: 3, from: "session" });
});

it("tells viewers the host it runs on in the welcome", async () => {
  const s = await startSession();
  const viewer = await connectViewer(s.id, s.viewerToken);
  expect(await viewer.message("welcome")).toMatchObject({ host: "local", exitReason: null });
});
