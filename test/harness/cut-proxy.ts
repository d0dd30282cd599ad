/** A TCP proxy in front of the edge whose viewer sockets a test can cut, like a network that drops mid-stream. */
import { createServer, connect, type Server, type Socket } from "node:net";

/** A running proxy; pages load from `url` and everything reaches the edge unchanged. */
export interface CutProxy {
  /** http origin of the proxy. */
  url: string;
  /** Viewer WebSocket connections (`GET /api/sessions/…/connect`) that are open now. */
  openViewerSockets(): number;
  /**
   * Resets every open viewer connection at once, both ways: bytes in flight are lost and the
   * browser sees the link die (close code 1006), as when a network drops. Returns how many.
   */
  cutViewerSockets(): number;
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  viewer: boolean;
}

/** Listens on a free port of 127.0.0.1 and forwards each connection to `target` (an http origin). */
export async function startCutProxy(target: string): Promise<CutProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<Pair>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const pair: Pair = { client, upstream, viewer: false };
    pairs.add(pair);
    // The request line arrives first: it says whether this connection is a viewer's socket.
    client.once("data", (head: Buffer) => {
      pair.viewer = /^GET \/api\/sessions\/[^/ ]+\/connect[? ]/.test(
        head.toString("latin1", 0, 200),
      );
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const listening = typeof address === "object" && address ? address.port : 0;
  const viewers = (): Pair[] => [...pairs].filter((p) => p.viewer && !p.client.destroyed);
  return {
    url: `http://127.0.0.1:${listening}`,
    openViewerSockets: () => viewers().length,
    cutViewerSockets() {
      const cut = viewers();
      for (const pair of cut) {
        pair.client.resetAndDestroy();
        pair.upstream.resetAndDestroy();
      }
      return cut.length;
    },
    async stop() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
