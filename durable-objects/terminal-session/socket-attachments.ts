/** What the session remembers about each socket across hibernation (ws.serializeAttachment). */
import type { Role, TerminalSize } from "../../protocol/index.ts";

/** A browser, agent or other viewer. Offsets drive the per-viewer send window. */
export interface ViewerAttachment {
  kind: "viewer";
  role: Role;
  /** Everything before this offset has been sent to the viewer. */
  sent: number;
  /** The viewer confirmed everything before this offset. */
  acked: number;
  /** The replay is done and `live` was sent. */
  live: boolean;
  connectedAt: number;
  /** Which join token opened it (a hash, never the token): sockets of one token share limits. */
  tokenId: string;
  /** When its token expires (seconds since the epoch); a `token` message can push it back. */
  expiresAt: number;
  /** Who holds it (a product-minted token's `sub`), shown to the other viewers; null if unknown. */
  subject: string | null;
  /** The size a writer's panel fits (its last `resize`); the session takes the smallest (size-policy.ts). */
  wants?: TerminalSize | null;
}

/** The runner's data connection for this session. */
export interface RunnerAttachment {
  kind: "runner";
  generation: number;
  connectedAt: number;
}

/** Either kind of socket. */
export type SocketAttachment = ViewerAttachment | RunnerAttachment;

/** Tags used with ctx.acceptWebSocket, so getWebSockets(tag) finds each kind. */
export const VIEWER_TAG = "viewer";
/** Tag of every socket a join token opened (with the token's id after it). */
export const TOKEN_TAG_PREFIX = "token:";
export const RUNNER_TAG = "runner";

/**
 * Attachments cached in memory and written through to the socket, so a hibernated object wakes
 * with every viewer's window intact. The cache dies with the instance; the socket keeps the truth.
 */
export class AttachmentCache {
  #cache = new WeakMap<WebSocket, SocketAttachment>();

  get(ws: WebSocket): SocketAttachment | null {
    let value = this.#cache.get(ws);
    if (!value) {
      value = (ws.deserializeAttachment() as SocketAttachment | null) ?? undefined;
      if (value) this.#cache.set(ws, value);
    }
    return value ?? null;
  }

  set(ws: WebSocket, value: SocketAttachment): void {
    this.#cache.set(ws, value);
    ws.serializeAttachment(value);
  }
}
