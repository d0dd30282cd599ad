/** Agent tool calls that never lie, in bash and zsh under every rc variant (slow, silent, heavy, odd prompts) while busy loops saturate the CPU. */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeViewer } from "../../harness/node-viewer.ts";
import { screenText } from "../../harness/screen-text.ts";
import {
  MATRIX_CASES,
  MATRIX_SHELLS,
  startShellMatrix,
  type MatrixCase,
  type ShellMatrix,
} from "../../harness/shell-matrix.ts";

/** A first call waits out the slowest start-up (6 s of rc) on a saturated CPU. */
const FIRST_CALL_TIMEOUT_MS = 20_000;
/** Each case of a step runs concurrently with the others; its test waits this long for it. */
const CASE_TIMEOUT_MS = 120_000;

let matrix: ShellMatrix;
let starting: Promise<ShellMatrix> | undefined;
const busyLoops: ChildProcess[] = [];

beforeAll(async () => {
  starting = startShellMatrix();
  matrix = await starting;
  // One busy loop per core, for the whole file: start-up and prompts race a starved shell.
  for (let i = 0; i < availableParallelism(); i++) {
    busyLoops.push(spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
  }
  // wrangler's start (≤ 60 s) plus each runner's connection (≤ 30 s each).
}, 180_000);

afterAll(async () => {
  for (const loop of busyLoops) loop.kill("SIGKILL");
  await Promise.all(
    busyLoops.map((loop) =>
      loop.exitCode !== null || loop.signalCode !== null
        ? null
        : new Promise((resolve) => loop.once("exit", resolve)),
    ),
  );
  // Even a start that outlived its hook's timeout is stopped: no edge or runner is left behind.
  await (await starting?.catch(() => undefined))?.stop();
}, 240_000);

type Reply = { status: number; body: any };
const tool = (name: string, body: unknown): Promise<Reply> =>
  matrix.stack.api("POST", `/api/tools/${name}`, body);

/** The fields of a result that a repeated call must reproduce exactly (the viewer token is new each time). */
function callResult(body: any) {
  const {
    session_id,
    call_id,
    status,
    exit_code,
    output,
    output_truncated,
    offsets,
    cleared_line,
  } = body ?? {};
  return {
    session_id,
    call_id,
    status,
    exit_code,
    output,
    output_truncated,
    offsets,
    cleared_line,
  };
}

/** Asserts a 200 result matching `expected`; the message names the call. */
function expectResult(reply: Reply, expected: Record<string, unknown>, what: string): void {
  expect(reply.status, `${what}: HTTP status (body ${JSON.stringify(reply.body)})`).toBe(200);
  expect(reply.body, what).toMatchObject(expected);
}

/** Text without escape sequences and carriage returns (for finding typed text in raw output). */
/** How often `needle` shows on the person's screen (long lines wrap; line editors redraw them). */
async function onScreen(person: NodeViewer, needle: string): Promise<number> {
  return occurrences(await screenText(person.text()), needle);
}

/** Waits until `needle` shows on the person's screen more often than the `before` times it did. */
async function untilOnScreen(
  person: NodeViewer,
  needle: string,
  before: number,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await onScreen(person, needle)) <= before) {
    if (performance.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; screen: ${await screenText(person.text())}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** How often `needle` occurs in `text`. */
function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** Everything the session printed, as its screen shows it: a fresh viewer replays it from the start. */
async function sessionScreen(run: CaseRun, sessionId: string, token: string): Promise<string> {
  const viewer = await run.join(sessionId, token);
  return screenText(viewer.text());
}

/** One case's sessions: created on its host in its variant's directory, closed when done. */
class CaseRun {
  readonly sessions = new Set<string>();
  readonly viewers: NodeViewer[] = [];
  readonly c: MatrixCase;
  constructor(c: MatrixCase) {
    this.c = c;
  }

  /** A fresh session whose first call is `command`. */
  async open(command: string, extra: Record<string, unknown> = {}): Promise<Reply> {
    const reply = await tool("interactive_shell", {
      host: this.c.host,
      cwd: matrix.cwd(this.c),
      initial_command: command,
      timeout_ms: FIRST_CALL_TIMEOUT_MS,
      ...extra,
    });
    if (typeof reply.body?.session_id === "string") this.sessions.add(reply.body.session_id);
    return reply;
  }

  /** A fresh session at its prompt (its first call, `true`, completed). */
  async ready(): Promise<{ id: string; token: string }> {
    const opened = await this.open("true");
    expectResult(opened, { status: "completed", exit_code: 0, output: "" }, "opening with `true`");
    return { id: opened.body.session_id, token: opened.body.viewer.token };
  }

  /** A writer joined to `sessionId`, live (history replayed). */
  async join(sessionId: string, token: string): Promise<NodeViewer> {
    const viewer = NodeViewer.join(matrix.stack.url, sessionId, token);
    this.viewers.push(viewer);
    await viewer.message("live", 20_000);
    return viewer;
  }

  async close(): Promise<void> {
    for (const viewer of this.viewers) viewer.close();
    for (const id of this.sessions) await tool("close_session", { session_id: id }).catch(() => {});
  }
}

/**
 * Declares one test per case under `sentence`. Every case starts when the step's first test does
 * and runs concurrently with the others (each case's calls in order); each test reports its case.
 */
function eachCase(sentence: string, start: (runs: CaseRun[]) => Map<string, Promise<void>>): void {
  describe(sentence, () => {
    let outcomes: Map<string, Promise<unknown>>;
    let runs: CaseRun[];
    beforeAll(() => {
      runs = MATRIX_CASES.map((c) => new CaseRun(c));
      // Settled into values at once: a case that fails before its test awaits it is not "unhandled".
      outcomes = new Map(
        [...start(runs)].map(([name, done]) => [
          name,
          done.then(
            () => null,
            (error) => error,
          ),
        ]),
      );
    });
    afterAll(async () => {
      await Promise.all([...outcomes.values()]);
      await Promise.all(runs.map((run) => run.close()));
    }, 60_000);
    for (const c of MATRIX_CASES) {
      it(`in ${c.name}`, { timeout: CASE_TIMEOUT_MS }, async () => {
        const error = await outcomes.get(c.name);
        if (error) throw error;
      });
    }
  });
}

/** `eachCase` where every case runs `body` on its own. */
function forEveryCase(sentence: string, body: (run: CaseRun) => Promise<void>): void {
  eachCase(sentence, (runs) => new Map(runs.map((run) => [run.c.name, body(run)])));
}

const readCommand = (c: MatrixCase) =>
  c.shell === "bash"
    ? `read -p 'Continue? ' a; echo "got $a"`
    : `read 'a?Continue? '; echo "got $a"`;
const passwordCommand = (c: MatrixCase) =>
  c.shell === "bash"
    ? `read -s -p 'Password: ' pw; echo; echo "len \${#pw}"`
    : `read -s 'pw?Password: '; echo; echo "len \${#pw}"`;

forEveryCase("the variant's start-up runs, in the matrix's HOME", async (run) => {
  const reply = await run.open(`printf '%s|%s\\n' "$HOME" "\${WEBTERM_RC-none}"`);
  const rc = run.c.variant === "instant" ? "none" : run.c.variant;
  expectResult(reply, { status: "completed", exit_code: 0, output: `${matrix.home}|${rc}\n` }, "");
});

forEveryCase(
  "the first command of a fresh session returns every line it printed, exactly",
  async (run) => {
    const reply = await run.open(`printf 'one\\ntwo\\nthree\\n'`);
    expectResult(reply, { status: "completed", exit_code: 0, output: "one\ntwo\nthree\n" }, "");
  },
);

forEveryCase("true completes with 0 and false with 1, neither printing anything", async (run) => {
  const first = await run.open("true");
  expectResult(first, { status: "completed", exit_code: 0, output: "" }, "true");
  const second = await tool("interactive_shell", {
    session_id: first.body.session_id,
    initial_command: "false",
  });
  expectResult(second, { status: "completed", exit_code: 1, output: "" }, "false");
});

forEveryCase(
  "a read prompt returns awaiting_input with the prompt, and the answer completes it with what the terminal printed",
  async (run) => {
    const asked = await run.open(readCommand(run.c));
    expectResult(
      asked,
      { status: "awaiting_input", exit_code: null, output: "Continue? " },
      "the question",
    );
    const answered = await tool("send_input", {
      session_id: asked.body.session_id,
      input: "y\n",
      timeout_ms: 10_000,
    });
    expectResult(answered, { status: "completed", exit_code: 0, output: "y\ngot y\n" }, "answer");
  },
);

forEveryCase(
  "a silent read returns awaiting_input, and the typed password never appears in the result",
  async (run) => {
    const asked = await run.open(passwordCommand(run.c));
    expectResult(
      asked,
      { status: "awaiting_input", exit_code: null, output: "Password: " },
      "the password prompt",
    );
    const answered = await tool("send_input", {
      session_id: asked.body.session_id,
      input: "hunter2\n",
      timeout_ms: 10_000,
    });
    expectResult(answered, { status: "completed", exit_code: 0 }, "the password");
    expect(answered.body.output).not.toContain("hunter2");
    expect(answered.body.output).toMatch(/len 7\n$/);
  },
);

forEveryCase(
  "a command still running at timeout_ms returns running; Ctrl-C completes it with 130, and wait returns that result",
  async (run) => {
    const { id } = await run.ready();
    const sleeping = await tool("interactive_shell", {
      session_id: id,
      initial_command: "sleep 30",
      timeout_ms: 1500,
    });
    expectResult(sleeping, { status: "running", exit_code: null }, "sleep 30 at 1.5 s");
    const stopped = await tool("send_input", { session_id: id, input: "\u0003" });
    expectResult(stopped, { status: "completed", exit_code: 130 }, "Ctrl-C");
    const callId = sleeping.body.call_id;
    expect(typeof callId, "the running result's call_id").toBe("string");
    const waited = await tool("wait", { session_id: id, call_id: callId, timeout_ms: 10_000 });
    expectResult(
      waited,
      { status: "completed", exit_code: 130, call_id: callId },
      "wait for the sleep's call",
    );
  },
);

forEveryCase("a pager returns awaiting_input, and q completes the pipeline with 0", async (run) => {
  const paging = await run.open("seq 1 200 | less");
  expectResult(paging, { status: "awaiting_input", exit_code: null }, "less");
  const quit = await tool("send_input", {
    session_id: paging.body.session_id,
    input: "q",
    timeout_ms: 10_000,
  });
  expectResult(quit, { status: "completed", exit_code: 0 }, "q");
});

forEveryCase(
  "a person's half-typed line refuses the call with input_pending, and clear_line clears it and runs the command",
  async (run) => {
    const { id, token } = await run.ready();
    const person = await run.join(id, token);
    const before = await onScreen(person, "echo AAA");
    person.type("echo AAA");
    await untilOnScreen(person, "echo AAA", before, "the person's typing to be echoed", 10_000);
    const refused = await tool("interactive_shell", {
      session_id: id,
      initial_command: "echo BBB",
    });
    expect(refused.status, `echo BBB over a half-typed line: ${JSON.stringify(refused.body)}`).toBe(
      409,
    );
    expect(refused.body.error.code).toBe("input_pending");
    expect(refused.body.error.message).toContain("echo AAA");
    const cleared = await tool("interactive_shell", {
      session_id: id,
      initial_command: "echo BBB",
      clear_line: true,
    });
    expectResult(
      cleared,
      { status: "completed", exit_code: 0, output: "BBB\n", cleared_line: "echo AAA" },
      "echo BBB with clear_line",
    );
  },
);

forEveryCase(
  "repeating a call_id, one after another or at once, returns the same result and types the command once",
  async (run) => {
    const { id, token } = await run.ready();
    const sequentialId = `seq-${randomUUID()}`;
    const sequential = {
      session_id: id,
      initial_command: "echo once-$((6*7))",
      call_id: sequentialId,
    };
    const first = await tool("interactive_shell", sequential);
    expectResult(
      first,
      { status: "completed", exit_code: 0, output: "once-42\n", call_id: sequentialId },
      "the first call",
    );
    const again = await tool("interactive_shell", sequential);
    expectResult(again, {}, "the repeated call");
    expect(callResult(again.body), "the repeated call's result").toEqual(callResult(first.body));

    const concurrentId = `con-${randomUUID()}`;
    const concurrent = {
      session_id: id,
      initial_command: "echo twice-$((6*7))",
      call_id: concurrentId,
    };
    const [a, b] = await Promise.all([
      tool("interactive_shell", concurrent),
      tool("interactive_shell", concurrent),
    ]);
    expectResult(
      a,
      { status: "completed", exit_code: 0, output: "twice-42\n", call_id: concurrentId },
      "one of two concurrent calls",
    );
    expectResult(b, {}, "the other concurrent call");
    expect(callResult(b.body), "the concurrent calls' results").toEqual(callResult(a.body));

    const text = await sessionScreen(run, id, token);
    expect(occurrences(text, "echo once-$((6*7))"), "times the first command was typed").toBe(1);
    expect(occurrences(text, "once-42"), "times the first command ran").toBe(1);
    expect(occurrences(text, "echo twice-$((6*7))"), "times the second command was typed").toBe(1);
    expect(occurrences(text, "twice-42"), "times the second command ran").toBe(1);
  },
);

/** A session in the middle of `sleep 3; echo done` when the edge restarts. */
interface Interrupted {
  id: string;
  /** The session's join token, for a viewer that replays it after the restart. */
  token: string;
  callId: string;
  /** When the command showed up typed in the terminal (ms, performance.now()). */
  typedAt: number;
  /** The first request, cut off by the restart or (rarely) answered before it. */
  first: Promise<Reply | Error>;
}

const RESTART_COMMAND = "sleep 3; echo done";
/** The command runs this long (ms): a restart begun sooner after it was typed came mid-call. */
const RESTART_COMMAND_MS = 3_000;

eachCase(
  "after an edge restart in the middle of a call, repeating its call_id returns the result, and the command was typed once",
  (runs) => {
    // The (one) restart must find every case's command running: first every session reaches its
    // prompt (slow rc files take seconds), then every command is typed, then the edge restarts.
    const ready = runs.map(async (run) => {
      const { id, token } = await run.ready();
      return { id, token, person: await run.join(id, token) };
    });
    const allReady = Promise.allSettled(ready);
    const prepared = ready.map(async (session): Promise<Interrupted> => {
      await allReady;
      const { id, token, person } = await session;
      const before = await onScreen(person, RESTART_COMMAND);
      const callId = `restart-${randomUUID()}`;
      const first = tool("interactive_shell", {
        session_id: id,
        initial_command: RESTART_COMMAND,
        call_id: callId,
        timeout_ms: FIRST_CALL_TIMEOUT_MS,
      }).catch((error: Error) => error);
      const typed = untilOnScreen(
        person,
        RESTART_COMMAND,
        before,
        "the command to be typed",
        10_000,
      );
      // A call refused outright is never typed: say why at once instead of timing out.
      const refused = first.then((reply) =>
        reply instanceof Error || reply.status === 200
          ? new Promise<never>(() => {})
          : Promise.reject(
              new Error(`the call was refused: ${reply.status} ${JSON.stringify(reply.body)}`),
            ),
      );
      await Promise.race([typed, refused]);
      return { id, token, callId, typedAt: performance.now(), first };
    });
    let restartAt = 0;
    const restarted = Promise.allSettled(prepared).then(async () => {
      restartAt = performance.now();
      await matrix.stack.restartEdge();
      for (const { host } of Object.values(MATRIX_SHELLS)) await matrix.stack.waitForHost(host);
    });
    return new Map(
      runs.map((run, i) => [
        run.c.name,
        (async () => {
          // Whatever happened to this case, the edge is back before its test ends.
          await restarted;
          const { id, token, callId, typedAt, first } = await prepared[i]!;
          expect(
            restartAt - typedAt,
            "ms from typing to the restart (more: the restart did not come mid-call)",
          ).toBeLessThan(RESTART_COMMAND_MS);
          const original = await first;
          if (!(original instanceof Error) && original.status === 200) {
            // Answered before the edge went down: then it must be the true result already.
            if (original.body.status === "completed") {
              expect(original.body.output, "the first request's output").toBe("done\n");
            }
          }
          const retried = await retryWhileOffline({
            session_id: id,
            initial_command: RESTART_COMMAND,
            call_id: callId,
            timeout_ms: FIRST_CALL_TIMEOUT_MS,
          });
          expectResult(
            retried,
            { status: "completed", exit_code: 0, output: "done\n", call_id: callId },
            "the repeated call after the restart",
          );
          const text = await sessionScreen(run, id, token);
          expect(occurrences(text, RESTART_COMMAND), "times the command was typed").toBe(1);
          expect(text.match(/^done$/gm)?.length ?? 0, "times the command ran").toBe(1);
        })(),
      ]),
    );
  },
);

/**
 * Repeats a call while the edge answers that the session's runner has not reconnected yet (503
 * runner_offline) or the request fails outright: what an agent does after a restart. The repeat
 * must still return the original call's result.
 */
async function retryWhileOffline(body: Record<string, unknown>): Promise<Reply> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const reply = await tool("interactive_shell", body).catch((error: Error) => error);
    const offline =
      reply instanceof Error ||
      (reply.status === 503 && reply.body?.error?.code === "runner_offline");
    if (!offline || Date.now() > deadline) {
      if (reply instanceof Error) throw reply;
      return reply;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("one bash session, many calls", () => {
  it("a result carries every field of the contract", { timeout: CASE_TIMEOUT_MS }, async () => {
    const run = new CaseRun(
      MATRIX_CASES.find((c) => c.shell === "bash" && c.variant === "instant")!,
    );
    try {
      const reply = await run.open("true");
      expectResult(reply, { success: true, status: "completed", exit_code: 0, output: "" }, "true");
      expect(Object.keys(reply.body).sort()).toEqual(
        expect.arrayContaining([
          "call_id",
          "cleared_line",
          "exit_code",
          "note",
          "offsets",
          "output",
          "output_truncated",
          "session_id",
          "status",
          "success",
          "viewer",
        ]),
      );
      expect(typeof reply.body.call_id).toBe("string");
      expect(reply.body.cleared_line).toBeNull();
      expect(reply.body.offsets.end).toBeGreaterThanOrEqual(reply.body.offsets.start);
    } finally {
      await run.close();
    }
  });

  it(
    "100 calls in a row each return exactly what their command printed",
    { timeout: 180_000 },
    async () => {
      const run = new CaseRun(
        MATRIX_CASES.find((c) => c.shell === "bash" && c.variant === "instant")!,
      );
      try {
        const { id } = await run.ready();
        const wrong: string[] = [];
        for (let i = 1; i <= 100; i++) {
          const reply = await tool("interactive_shell", {
            session_id: id,
            initial_command: `printf 'n=%s\\n' ${i}`,
          });
          const got = callResult(reply.body);
          if (
            reply.status !== 200 ||
            got.status !== "completed" ||
            got.exit_code !== 0 ||
            got.output !== `n=${i}\n`
          ) {
            wrong.push(`call ${i}: ${reply.status} ${JSON.stringify(reply.body)}`);
          }
        }
        expect(wrong).toEqual([]);
      } finally {
        await run.close();
      }
    },
  );
});
