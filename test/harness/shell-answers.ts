/** Measuring in the shell what browser terminals answer to a query: the bytes that reached the PTY, in hex. */
import type { Stack } from "./edge-stack.ts";

/**
 * Runs `answersTo(...)` in an existing session through the agent API and returns its output (plain
 * text) once the `answers[…][…]` line is there. The command reads the terminal (for the answers,
 * then a second for any more), so the call may truthfully return `awaiting_input`; the output is
 * then followed with read_output until the command has printed its line. Throws on anything else.
 */
export async function runInSession(stack: Stack, sessionId: string, command: string) {
  const response = await stack.api("POST", "/api/tools/interactive_shell", {
    session_id: sessionId,
    initial_command: command,
  });
  const { status, output, offsets } = response.body ?? {};
  if (response.status === 200 && status === "completed") return output as string;
  if (response.status !== 200 || status !== "awaiting_input") {
    throw new Error(`interactive_shell: ${response.status} ${JSON.stringify(response.body)}`);
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const read = await stack.api("POST", "/api/tools/read_output", {
      session_id: sessionId,
      since_offset: offsets.start,
    });
    if (read.status !== 200)
      throw new Error(`read_output: ${read.status} ${JSON.stringify(read.body)}`);
    if (ANSWERS_LINE.test(read.body.output)) return read.body.output as string;
    if (Date.now() > deadline)
      throw new Error(`no answers line in ${JSON.stringify(read.body.output)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ANSWERS_LINE = /answers\[([0-9a-f]*)\]\[([0-9a-f]*)\]/;

/**
 * A command that prints `query` (a printf format, such as `\e[6n`) and reports what the
 * terminals answered, in hex: the first answer up to its final "R" (a cursor position report
 * ends in R), then whatever else arrives within a second. With echo and canonical mode off,
 * every byte any terminal sends back reaches `read`, nothing is shown and nothing waits for Enter.
 */
export function answersTo(query: string): string {
  const hex = (name: string) => `$(printf %s "$${name}" | od -An -tx1 | tr -d ' \\n')`;
  return [
    "stty -icanon -echo",
    `printf '${query}\\n'`,
    "IFS= read -r -d R -t 5 first",
    "IFS= read -r -d R -t 1 more",
    "stty icanon echo",
    `echo "answers[${hex("first")}][${hex("more")}]"`,
  ].join("; ");
}

/** What the terminals answered: `first` without its final "R", `more` what followed. */
export interface Answers {
  first: string;
  more: string;
}

/** Parses the `answers[…][…]` line of `answersTo`'s output back into text. */
export function parseAnswers(output: string): Answers {
  const match = ANSWERS_LINE.exec(output);
  if (!match) throw new Error(`no answers line in ${JSON.stringify(output)}`);
  const text = (hex: string) => Buffer.from(hex, "hex").toString("latin1");
  return { first: text(match[1]!), more: text(match[2]!) };
}

/** A cursor position report as `answersTo` collects it: "ESC [ row ; col", its R consumed. */
export const CURSOR_REPORT = /^\x1b\[(\d+);(\d+)$/;
