/** Test helpers inside workerd: real WebSocket round trips through the Worker, and a fake runner. */
import { exports } from "cloudflare:workers";
import {
  HEARTBEAT_REQUEST,
  RUNNER_HEARTBEAT_INTERVAL_MS,
  SUBPROTOCOL,
  decodeBinaryFrame,
  encodeOutputFrame,
  offeredSubprotocols,
} from "../../protocol/index.ts";

export const API_TOKEN = "test-api-token";
const BASE = "http://example.com";

/** Calls the Worker's HTTP API with the API token. */
export async function api(
  method: string,
  path: string,
  body?: unknown,
  token = API_TOKEN,
): Promise<Response> {
  const init: RequestInit = { method, headers: { Authorization: `Bearer ${token}` } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  return exports.default.fetch(new Request(BASE + path, init));
}

/** Everything a test socket received, in order, with a way to wait for what comes next. */
export class Peer {
  readonly ws: WebSocket;
  readonly texts: Record<string, unknown>[] = [];
  readonly output: { offset: number; data: Uint8Array }[] = [];
  readonly inputs: Uint8Array[] = [];
  readonly keyframes: { offset: number; cols: number; rows: number; data: Uint8Array }[] = [];
  /** Arrival order: a message's type, "output" for an output frame, "keyframe" for a keyframe. */
  readonly sequence: string[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: (() => void)[] = [];

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (event) => {
      if (typeof event.data === "string") {
        const message = JSON.parse(event.data);
        this.texts.push(message);
        this.sequence.push(String(message.type));
      } else {
        const decoded = decodeBinaryFrame(event.data as ArrayBuffer);
        this.sequence.push(decoded.ok && decoded.frame.kind === 4 ? "keyframe" : "output");
        if (decoded.ok && decoded.frame.kind === 4) {
          const { offset, cols, rows, data } = decoded.frame;
          this.keyframes.push({ offset, cols, rows, data: data.slice() });
        } else if (decoded.ok && decoded.frame.kind === 1) {
          this.output.push({ offset: decoded.frame.offset, data: decoded.frame.data.slice() });
        } else if (decoded.ok) this.inputs.push(decoded.frame.data.slice());
      }
      this.#wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
  }

  /** Waits until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
  async until<T>(
    check: () => T | undefined | false | null,
    what: string,
    timeoutMs = 5000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false && value !== null) return value;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.texts)} closed=${JSON.stringify(this.closed)}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a text message of `type` (the first not yet consumed by an earlier call). */
  message(type: string, timeoutMs?: number): Promise<Record<string, any>> {
    return this.until(
      () => this.texts.find((m) => m.type === type) as Record<string, any> | undefined,
      `a "${type}" message`,
      timeoutMs,
    );
  }

  /** Waits for the close event. */
  closedWith(timeoutMs?: number): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed, "close", timeoutMs);
  }

  /** All output bytes received, concatenated, checking that offsets are contiguous. */
  bytes(): Uint8Array {
    const total = this.output.reduce((n, f) => n + f.data.byteLength, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const frame of this.output) {
      out.set(frame.data, at);
      at += frame.data.byteLength;
    }
    return out;
  }

  /** Output as text. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }

  /** Highest output offset received (end of the last frame). */
  end(): number {
    const last = this.output[this.output.length - 1];
    return last ? last.offset + last.data.byteLength : 0;
  }

  sendText(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Beats the runner heartbeat every `intervalMs`, as a live runner does, until frozen or closed. */
  beat(intervalMs = RUNNER_HEARTBEAT_INTERVAL_MS): void {
    this.freeze();
    this.frozen = false;
    this.#beat = setInterval(() => {
      if (this.closed) return this.freeze();
      try {
        this.ws.send(HEARTBEAT_REQUEST);
      } catch {
        this.freeze();
      }
    }, intervalMs);
  }

  /** Stops the heartbeat: to the session this peer now looks like a frozen runner. */
  freeze(): void {
    this.frozen = true;
    if (this.#beat) clearInterval(this.#beat);
    this.#beat = null;
  }

  /** Set by freeze(), cleared by beat(): fakes behind a frozen peer answer nothing. */
  frozen = false;

  #beat: ReturnType<typeof setInterval> | null = null;

  #wake(): void {
    const waiters = this.#waiters.splice(0);
    for (const w of waiters) w();
  }
}

/** Opens a WebSocket through the Worker; returns the peer and the upgrade response. */
export async function openSocket(
  path: string,
  protocols: string[],
  headers: Record<string, string> = {},
): Promise<{ peer: Peer; response: Response }> {
  const response = await exports.default.fetch(
    new Request(BASE + path, {
      headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocols.join(", "), ...headers },
    }),
  );
  const ws = response.webSocket;
  if (!ws) throw new Error(`no WebSocket in response ${response.status}: ${await response.text()}`);
  // Recent compatibility dates deliver binary on non-hibernated sockets as Blob otherwise.
  ws.binaryType = "arraybuffer";
  ws.accept();
  return { peer: new Peer(ws), response };
}

const minted = new Map<string, { credential: string; fingerprint: string }>();

/**
 * `host`'s runner credential, minted through the admin API as an operator would. The one minted
 * earlier is reused while the edge still has it (storage may be fresh for each test), so a
 * control and a data connection of one test share it.
 */
export async function hostCredential(host = "local"): Promise<string> {
  const known = minted.get(host);
  if (known) {
    const status = await api("GET", `/api/hosts/${host}`);
    const current = status.ok
      ? ((await status.json()) as { credential: { fingerprint: string } | null }).credential
      : (await status.body?.cancel(), null);
    if (current?.fingerprint === known.fingerprint) return known.credential;
  }
  const response = await api("POST", "/api/hosts", { host });
  if (!response.ok)
    throw new Error(`minting for ${host}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { credential: string; fingerprint: string };
  minted.set(host, body);
  return body.credential;
}

/** A fake runner: its control connection for `host`, with that host's credential unless given. */
export async function connectRunnerControl(host = "local", token?: string): Promise<Peer> {
  const credential = token ?? (await hostCredential(host));
  const { peer } = await openSocket(
    `/api/runners/${host}/connect`,
    offeredSubprotocols(credential),
  );
  await peer.message("welcome");
  // A live runner beats on its control connection too; freeze() makes it look frozen.
  peer.beat();
  return peer;
}

/**
 * A fake runner's data connection for one session, with `token` or else the credential of the
 * host the session runs on (`host`, default "local").
 */
export async function connectRunnerData(
  sessionId: string,
  token?: string,
  host = "local",
): Promise<Peer> {
  token ??= await hostCredential(host);
  const { peer } = await openSocket(
    `/api/sessions/${sessionId}/runner`,
    offeredSubprotocols(token),
  );
  peer.beat();
  return peer;
}

/** A viewer joining with a join token, optionally resuming after `offset`. */
export async function connectViewer(
  sessionId: string,
  token: string,
  offset?: number,
  headers: Record<string, string> = {},
): Promise<Peer> {
  const query = offset === undefined ? "" : `?offset=${offset}`;
  const { peer } = await openSocket(
    `/api/sessions/${sessionId}/connect${query}`,
    offeredSubprotocols(token),
    headers,
  );
  return peer;
}

/** A created session with its runner connected, as the API hands it out. */
export interface TestSession {
  id: string;
  writerToken: string;
  viewerToken: string;
  control: Peer;
  runner: Peer;
}

/** Connects a fake runner, creates a session through the API and connects its data socket. */
export async function startSession(host = "local"): Promise<TestSession> {
  const control = await connectRunnerControl(host);
  const response = await api("POST", "/api/sessions", { host });
  if (response.status !== 201)
    throw new Error(`create failed: ${response.status} ${await response.text()}`);
  const created = (await response.json()) as {
    session_id: string;
    writer: { token: string };
    viewer: { token: string };
  };
  const open = await control.message("open");
  if (open.sessionId !== created.session_id)
    throw new Error("runner was asked to open another session");
  const runner = await connectRunnerData(created.session_id, undefined, host);
  await runner.message("welcome");
  return {
    id: created.session_id,
    writerToken: created.writer.token,
    viewerToken: created.viewer.token,
    control,
    runner,
  };
}

/** Sends output from the fake runner and waits until the session acknowledges it as stored. */
export async function runnerWrite(
  runner: Peer,
  offset: number,
  data: Uint8Array | string,
): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  runner.ws.send(encodeOutputFrame(offset, bytes));
  await runner.until(
    () =>
      runner.texts.some(
        (m) => m.type === "ack" && (m.offset as number) >= offset + bytes.byteLength,
      ),
    `ack of ${offset + bytes.byteLength}`,
  );
}

/** Deterministic pseudo-random bytes (xorshift), so hashes can be compared. */
export function deterministicBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** SHA-256 hex of bytes. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A viewer that acknowledges everything it receives, as the real client does. */
export function autoAck(peer: Peer): void {
  peer.ws.addEventListener("message", (event) => {
    if (typeof event.data !== "string" && peer.ws.readyState === WebSocket.OPEN) {
      peer.sendText({ type: "ack", offset: peer.end() });
    }
  });
}

export { SUBPROTOCOL };
