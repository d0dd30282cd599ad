/** Answers the session's `probe`: terminal facts that hold once every output byte before an offset is delivered. */
import type { TerminalFacts } from "../protocol/index.ts";
import { sameTerminalFacts } from "./terminal-facts.ts";

/** What a probe needs from its session. */
export interface ProbeTarget {
  /** One snapshot of the facts (terminal-facts.ts), or null when they cannot be read. */
  readFacts(): Promise<TerminalFacts | null>;
  /** Total bytes read from the PTY so far. */
  delivered(): number;
  /** Whether flow control holds PTY reads back (then undelivered output may wait in the kernel). */
  paused(): boolean;
  /** Makes the next loop iteration ask the kernel afresh whether the PTY has output (PtyProcess.recheck). */
  recheck(): void;
  /** Resolves once input received before the probe has reached the program (PtyProcess.inputDelivered). */
  inputDelivered(maxWaitMs: number): Promise<unknown>;
}

/** Bounds of one probe. */
export interface ProbeOptions {
  /** Snapshot pairs to try before answering null. */
  attempts: number;
  /** Loop iterations to wait for one without PTY data before giving up on an attempt. */
  drainTurns: number;
  /** How long to wait for earlier input to reach the PTY before reading anyway (ms). */
  inputWaitMs: number;
}

/**
 * Defaults: a probe takes a few milliseconds (two snapshots, and a `stty` or `bash` start when
 * needed), and gives up within about a hundred loop iterations while output streams.
 */
export const DEFAULT_PROBE_OPTIONS: ProbeOptions = {
  attempts: 4,
  drainTurns: 50,
  inputWaitMs: 200,
};

/**
 * Two snapshots, each followed by a drain, that agree; null when they never do, output keeps
 * streaming, or flow control holds output back.
 *
 * Why the drain: a program that printed "Password: " and blocked in read() has handed its bytes
 * to the kernel before it is seen blocked, but the runner has not necessarily read them. One full
 * event-loop iteration that polls the PTY afresh (`recheck`) and gets nothing proves none were
 * left, so every byte written before the snapshot has been read (and counted in `delivered()`).
 * Without `recheck` an empty iteration proves less: output still in the kernel's flip-buffer work
 * queue is invisible to epoll, and under load probes answered before "Password: " arrived (6 of
 * 8 runs of the 30-round test in test/node/runner/probe.test.ts failed; 0 of 16 with it).
 * Why two snapshots: one snapshot reads several /proc files one after another, and a job that is
 * starting or ending can be caught half-way.
 *
 * Input received before the probe is first delivered to the program (bounded by `inputWaitMs`):
 * the answer to "I typed my password; is it still waiting?" must not describe the terminal before
 * the password reached it.
 */
export async function settledFacts(
  target: ProbeTarget,
  options: ProbeOptions = DEFAULT_PROBE_OPTIONS,
): Promise<TerminalFacts | null> {
  await target.inputDelivered(options.inputWaitMs);
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    if (target.paused()) return null;
    const first = await target.readFacts();
    if (!first || !(await drained(target, options.drainTurns))) continue;
    const second = await target.readFacts();
    if (!second || !(await drained(target, options.drainTurns))) continue;
    if (target.paused()) return null;
    if (sameTerminalFacts(first, second)) return second;
  }
  return null;
}

/** Resolves true after one full loop iteration in which no PTY output arrived. */
async function drained(target: ProbeTarget, maxTurns: number): Promise<boolean> {
  // Start from a check phase, so the next setImmediate spans a whole iteration, poll phase included.
  await nextTurn();
  let before = target.delivered();
  for (let turn = 0; turn < maxTurns; turn++) {
    target.recheck();
    await nextTurn();
    const now = target.delivered();
    if (now === before) return !target.paused();
    before = now;
  }
  return false;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs probes one at a time. Probes that arrive while one runs are answered together by the next
 * run, which starts after they arrived: each answer describes the terminal after its probe came,
 * and a flood of probes costs two runs, not one per probe.
 */
export class ProbeQueue {
  readonly #target: ProbeTarget;
  readonly #answer: (probes: number[], facts: TerminalFacts | null) => void;
  readonly #onError: (error: unknown) => void;
  readonly #waiting: number[] = [];
  #running = false;
  #epoch = 0;

  /** `answer` is called with the probe numbers of each run and its facts; `onError` if it throws. */
  constructor(
    target: ProbeTarget,
    answer: (probes: number[], facts: TerminalFacts | null) => void,
    onError: (error: unknown) => void,
  ) {
    this.#target = target;
    this.#answer = answer;
    this.#onError = onError;
  }

  /** Queues a probe; false (and dropped) when too many wait already. */
  ask(probe: number): boolean {
    if (this.#waiting.length >= MAX_WAITING_PROBES) return false;
    this.#waiting.push(probe);
    if (!this.#running) void this.#run();
    return true;
  }

  /** Forgets waiting probes and the running one's answer (their connection is gone). */
  reset(): void {
    this.#waiting.length = 0;
    this.#epoch++;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiting.length > 0) {
        const probes = this.#waiting.splice(0);
        const epoch = this.#epoch;
        const facts = await settledFacts(this.#target).catch(() => null);
        if (epoch !== this.#epoch) continue;
        try {
          this.#answer(probes, facts);
        } catch (error) {
          // A bug in answering one probe must not become an unhandled rejection (fatal in Node).
          this.#onError(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

// A well-behaved session has one probe in flight; this only bounds a confused one.
const MAX_WAITING_PROBES = 64;
