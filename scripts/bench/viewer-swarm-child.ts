/** A child process holding many readers (viewers of our sessions, or tty-share/direct clients) and reporting timings over IPC. */
import { epochNow, withTimeout } from "./clock.ts";
import { DirectPtyClient } from "./direct-pty.ts";
import { MarkerScanner } from "./marker.ts";
import type { FromChild, GroupTarget, ToChild } from "./swarm-protocol.ts";
import { TtyShareClient } from "./tty-share.ts";
import { WebtermClient } from "./webterm-client.ts";

/** One reader: whatever the target, bytes come in and may be typed. */
interface Reader {
  onBytes: (data: Uint8Array) => void;
  received(): number;
  type(text: string): void;
  close(): Promise<void> | void;
}

interface Group {
  readers: Reader[];
  /** Readers that stopped on purpose; they are closed but never waited for. */
  stalled: WebtermClient[];
}

const groups = new Map<string, Group>();

function send(message: FromChild): void {
  process.send?.(message);
}

async function open(target: GroupTarget): Promise<Group> {
  if (target.kind === "tty-share") {
    const client = new TtyShareClient(target.url);
    await withTimeout(client.open, 10_000, "tty-share to accept");
    const reader = adapt(client, (fn) => (client.onOutput = fn));
    return { readers: [reader], stalled: [] };
  }
  if (target.kind === "direct") {
    const client = new DirectPtyClient(target.url, target.cmd);
    await withTimeout(client.open, 10_000, "the direct server to accept");
    const reader = adapt(client, (fn) => (client.onOutput = fn));
    return { readers: [reader], stalled: [] };
  }
  const clients: WebtermClient[] = [];
  for (let i = 0; i < target.count; i++) {
    const token = i === 0 && target.writerToken ? target.writerToken : target.tokens[i]!;
    clients.push(new WebtermClient({ url: target.url, sessionId: target.sessionId, token }));
  }
  await withTimeout(Promise.all(clients.map((c) => c.live)), 30_000, "readers to catch up");
  const stalled: WebtermClient[] = [];
  for (let i = 0; i < target.stalled; i++) {
    const client = new WebtermClient({
      url: target.url,
      sessionId: target.sessionId,
      token: target.tokens[target.count + i]!,
      ack: "never",
    });
    await withTimeout(client.welcome, 10_000, "a stalled reader's welcome");
    client.pause();
    stalled.push(client);
  }
  const readers = clients.map((client) =>
    adapt(client, (fn) => (client.onOutput = (_offset, data) => fn(data))),
  );
  return { readers, stalled };
}

function adapt(
  client: {
    received: number;
    type(text: string): void;
    close(): Promise<void> | void;
  },
  listen: (fn: (data: Uint8Array) => void) => void,
): Reader {
  const reader: Reader = {
    onBytes: () => {},
    received: () => client.received,
    type: (text) => client.type(text),
    close: () => client.close(),
  };
  listen((data) => reader.onBytes(data));
  return reader;
}

function arm(name: string, group: Group, marker: string): void {
  const times: number[] = new Array(group.readers.length).fill(Number.NaN);
  const bytes: number[] = new Array(group.readers.length).fill(0);
  let left = group.readers.length;
  group.readers.forEach((reader, i) => {
    const scanner = new MarkerScanner(marker);
    const start = reader.received();
    reader.onBytes = (data) => {
      if (!scanner.feed(data)) return;
      times[i] = epochNow();
      bytes[i] = reader.received() - start;
      reader.onBytes = () => {};
      if (--left === 0) send({ op: "done", group: name, times, bytes });
    };
  });
}

async function handle(message: ToChild): Promise<void> {
  const name = message.group;
  if (message.op === "open") {
    groups.set(name, await open(message.target));
    send({ op: "opened", group: name });
    return;
  }
  const group = groups.get(name);
  if (!group) throw new Error(`no group ${name}`);
  switch (message.op) {
    case "arm":
      arm(name, group, message.marker);
      send({ op: "armed", group: name });
      return;
    case "type": {
      const at = epochNow();
      group.readers[0]!.type(message.text);
      send({ op: "typed", group: name, at });
      return;
    }
    case "stats":
      send({
        op: "stats",
        group: name,
        received: group.readers.reduce((n, r) => n + r.received(), 0),
      });
      return;
    case "close":
      groups.delete(name);
      for (const client of group.stalled) client.terminate();
      await Promise.all(group.readers.map((r) => r.close()));
      send({ op: "closed", group: name });
      return;
  }
}

process.on("message", (message: ToChild) => {
  handle(message).catch((error: Error) =>
    send({ op: "error", group: message.group, message: error.message }),
  );
});
process.on("disconnect", () => process.exit(0));
