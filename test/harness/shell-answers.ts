/** Measuring in the shell what browser terminals answer to a query: the bytes that reached the PTY, in hex. */
import type { Stack } from "./edge-stack.ts";

/**
 * Runs `command` in an existing session through the agent API and returns its output (plain
 * text); throws unless the command completed.
 */
export async function runInSession(stack: Stack, sessionId: string, command: string) {
  const response = await stack.api("POST", "/api/tools/interactive_shell", {
    session_id: sessionId,
    initial_command: command,
  });
  if (response.status !== 200 || response.body.status !== "completed") {
    throw new Error(`interactive_shell: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body.output as string;
}

/**
 * A command that prints `query` (a printf format, such as `\e[6n`) and reports what the
 * terminals answered, in hex: the first answer up to its final "R" (a cursor position report
 * ends in R), then whatever else arrives within a second. With echo and canonical mode off,
 * every byte any terminal sends back reaches `read`, nothing is shown and nothing waits for Enter.
 * A newline follows the query (after any answer was computed): output that stops mid-line for
 * 0.7 s looks like a prompt, and the tool call would return `awaiting_input` early.
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
  const match = /answers\[([0-9a-f]*)\]\[([0-9a-f]*)\]/.exec(output);
  if (!match) throw new Error(`no answers line in ${JSON.stringify(output)}`);
  const text = (hex: string) => Buffer.from(hex, "hex").toString("latin1");
  return { first: text(match[1]!), more: text(match[2]!) };
}

/** A cursor position report as `answersTo` collects it: "ESC [ row ; col", its R consumed. */
export const CURSOR_REPORT = /^\x1b\[(\d+);(\d+)$/;
