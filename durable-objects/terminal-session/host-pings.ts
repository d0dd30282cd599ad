/**
 * Routes viewers' `host-ping`s through the runner and its `host-pong`s back to the viewer that
 * asked. Pending pings live in memory only: one lost to hibernation or a runner that never answers
 * is simply unanswered, which is what the viewer counts.
 */
import { sendMessage } from "./viewer-fanout.ts";

/** Pings still waiting for the runner, at most this many (the oldest is forgotten first). */
const MAX_PENDING_PINGS = 512;

/** Pending host pings of one session object. */
export class HostPings {
  #nextId = 1;
  /** Runner-side id -> the viewer socket and the id it used. */
  #pending = new Map<number, { ws: WebSocket; id: number }>();

  /** Passes a viewer's ping to the runner under an id of the session's own. */
  forward(viewer: WebSocket, id: number, runner: WebSocket): void {
    const runnerId = this.#nextId++;
    this.#pending.set(runnerId, { ws: viewer, id });
    if (this.#pending.size > MAX_PENDING_PINGS) {
      this.#pending.delete(this.#pending.keys().next().value!);
    }
    sendMessage(runner, { type: "host-ping", id: runnerId });
  }

  /** The runner answered: the viewer that asked gets its pong (if it is still there). */
  answer(runnerId: number): void {
    const pending = this.#pending.get(runnerId);
    if (!pending) return;
    this.#pending.delete(runnerId);
    // A viewer that left meanwhile: sendMessage drops what cannot be sent.
    sendMessage(pending.ws, { type: "host-pong", id: pending.id, from: "host" });
  }
}
