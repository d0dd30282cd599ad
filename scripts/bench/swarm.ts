/** The bench's side of a viewer-swarm child process: fork it, open groups of readers, arm and collect timings. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { withTimeout } from "./clock.ts";
import type { FromChild, GroupTarget, ToChild } from "./swarm-protocol.ts";

/** One child process with reader groups. */
export class Swarm {
  readonly child: ChildProcess;
  readonly #waiters: { match: (m: FromChild) => boolean; resolve: (m: FromChild) => void }[] = [];
  readonly #errors: string[] = [];

  constructor() {
    this.child = fork(fileURLToPath(new URL("./viewer-swarm-child.ts", import.meta.url)), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    // A child that dies fails every request still waiting, instead of crashing the bench.
    this.child.on("error", (error) => this.#failAll(`swarm child: ${error.message}`));
    this.child.on("exit", (code, signal) =>
      this.#failAll(`swarm child exited (${code ?? signal})`),
    );
    this.child.on("message", (message: FromChild) => {
      if (message.op === "error") this.#errors.push(`${message.group}: ${message.message}`);
      const at = this.#waiters.findIndex((w) => w.match(message));
      if (at >= 0) this.#waiters.splice(at, 1)[0]!.resolve(message);
    });
  }

  /** Opens a group of readers and waits until they are all caught up. */
  async open(group: string, target: GroupTarget, timeoutMs = 60_000): Promise<void> {
    await this.#request({ op: "open", group, target }, "opened", timeoutMs);
  }

  /** Starts watching for `marker`; `done` resolves when every reader of the group has seen it. */
  async arm(
    group: string,
    marker: string,
    timeoutMs: number,
  ): Promise<{ done: Promise<{ times: number[]; bytes: number[] }> }> {
    const done = this.#expect(group, "done", timeoutMs) as Promise<
      Extract<FromChild, { op: "done" }>
    >;
    done.catch(() => {});
    await this.#request({ op: "arm", group, marker }, "armed", 10_000);
    return { done };
  }

  /** Has the group's first reader type `text`; resolves with the epoch time it was sent. */
  async type(group: string, text: string): Promise<number> {
    const reply = await this.#request({ op: "type", group, text }, "typed", 10_000);
    return (reply as Extract<FromChild, { op: "typed" }>).at;
  }

  /** Bytes the group has received so far. */
  async received(group: string): Promise<number> {
    const reply = await this.#request({ op: "stats", group }, "stats", 10_000);
    return (reply as Extract<FromChild, { op: "stats" }>).received;
  }

  async close(group: string): Promise<void> {
    await this.#request({ op: "close", group }, "closed", 15_000);
  }

  /** Ends the child process. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    if (this.child.connected) this.child.disconnect();
    else this.child.kill("SIGTERM");
    await withTimeout(exited, 5000, "a swarm child to exit").catch(() =>
      this.child.kill("SIGKILL"),
    );
  }

  #request(message: ToChild, reply: FromChild["op"], timeoutMs: number): Promise<FromChild> {
    if (!this.child.connected) return Promise.reject(new Error("the swarm child is gone"));
    const answer = this.#expect(message.group, reply, timeoutMs);
    this.child.send(message);
    return answer;
  }

  #failAll(why: string): void {
    for (const waiter of this.#waiters.splice(0)) {
      waiter.resolve({ op: "error", group: "", message: why });
    }
  }

  #expect(group: string, op: FromChild["op"], timeoutMs: number): Promise<FromChild> {
    const answer = new Promise<FromChild>((resolve, reject) => {
      this.#waiters.push({
        match: (m) => m.group === group && (m.op === op || m.op === "error"),
        resolve: (m) =>
          m.op === "error" ? reject(new Error(`swarm child: ${m.message}`)) : resolve(m),
      });
    });
    return withTimeout(answer, timeoutMs, `"${op}" from a swarm child (${group})`);
  }
}
