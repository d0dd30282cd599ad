/** The chat-like transcript: the person's commands, the agent's tool calls and their results. */
import { useEffect, useRef } from "preact/hooks";
import type { InteractiveShellResult } from "../../../protocol/index.ts";
import { AnswerBox } from "./answer-box.tsx";
import {
  commandEnded,
  currentResult,
  type Answer,
  type ResultEntry,
  type TranscriptEntry,
} from "./transcript-entry.ts";

/** Props of Transcript. */
export interface TranscriptProps {
  entries: TranscriptEntry[];
  /** The session commands can still be answered in: the panel's, while its shell runs. */
  answerableSession: string | null;
  /** Sends `input` to the command of `entry`'s call. */
  onAnswer: (entry: ResultEntry, input: string) => void;
}

/** Every entry, newest at the bottom, scrolled into view as they come. */
export function Transcript({ entries, answerableSession, onAnswer }: TranscriptProps) {
  const endRef = useRef<HTMLDivElement>(null);
  const answerCount = entries.reduce(
    (n, e) => n + (e.kind === "tool-result" || e.kind === "command" ? e.answers.length : 0),
    0,
  );
  useEffect(
    () => endRef.current?.scrollIntoView({ block: "end", behavior: "smooth" }),
    [entries.length, answerCount],
  );
  // Only the newest card of the session can be waiting now: whatever an older one waited for
  // was answered or ended before the newer call could run.
  const newestCard = entries.findLast(
    (e): e is ResultEntry =>
      (e.kind === "tool-result" || e.kind === "command") &&
      e.result !== null &&
      e.result.session_id === answerableSession,
  );
  return (
    <ol class="transcript" data-testid="transcript" aria-live="polite">
      {entries.length === 0 ? (
        <li class="transcript__empty">
          Ask the agent to run a command. It calls the <code>interactive_shell</code> tool; the
          terminal opens when the tool result arrives, on the session that result names.
        </li>
      ) : null}
      {entries.map((entry) => (
        <li
          key={entry.id}
          class={`transcript__entry transcript__entry--${entry.kind}`}
          data-testid="transcript-entry"
          data-kind={entry.kind}
        >
          <Entry
            entry={entry}
            answerable={entry === newestCard}
            onAnswer={(input) => entry === newestCard && onAnswer(newestCard, input)}
          />
        </li>
      ))}
      <div ref={endRef} />
    </ol>
  );
}

interface EntryProps {
  entry: TranscriptEntry;
  /** The card may offer the answer box (when its command waits for input). */
  answerable: boolean;
  onAnswer: (input: string) => void;
}

function Entry({ entry, answerable, onAnswer }: EntryProps) {
  switch (entry.kind) {
    case "user":
      return (
        <div class="bubble bubble--user">
          <span class="bubble__who">You</span>
          {entry.plain ? <span>{entry.text}</span> : <code>{entry.text}</code>}
        </div>
      );
    case "tool-call":
      return (
        <div class="card card--call" data-testid="tool-call" data-state={entry.state}>
          <div class="card__head">
            <span class="card__tag">tool call</span>
            <code class="card__name">interactive_shell</code>
            <span class={`card__state card__state--${entry.state}`}>
              {entry.state === "running"
                ? "tool call running…"
                : entry.state === "done"
                  ? "returned"
                  : "failed"}
            </span>
          </div>
          <pre class="card__json">{JSON.stringify(entry.request, null, 2)}</pre>
        </div>
      );
    case "tool-result": {
      const { result } = entry;
      const now = currentResult(entry) ?? result;
      return (
        <div
          class="card card--result"
          data-testid="tool-result"
          data-session-id={result.session_id}
          data-status={now.status}
        >
          <div class="card__head">
            <span class="card__tag">tool result</span>
            <span class="card__meta">
              {now.status}
              {now.exit_code !== null ? ` · exit ${now.exit_code}` : ""}
              {" · session "}
              <code>{result.session_id}</code>
            </span>
          </div>
          <pre class="card__output" data-testid="tool-result-output">
            {result.output || "(no output)"}
            {result.output_truncated ? "\n… (truncated; the terminal has all of it)" : ""}
          </pre>
          <Answers entry={entry} answerable={answerable} onAnswer={onAnswer} />
          {now.status === "awaiting_input" && entry.record?.end != null ? (
            <p class="card__note" data-testid="command-ended-since">
              The command has ended since
              {entry.record.exitCode !== null ? ` (exit ${entry.record.exitCode})` : ""}; what it
              printed is in the terminal.
            </p>
          ) : null}
          {result.note ? <p class="card__note">{result.note}</p> : null}
          <details class="card__raw">
            <summary>Raw JSON</summary>
            <pre class="card__json">{JSON.stringify(redactToken(result), null, 2)}</pre>
          </details>
        </div>
      );
    }
    case "rejoined":
      return (
        <p class="transcript__rejoined" data-testid="rejoined-notice">
          Back in session <code>{entry.sessionId}</code>
          {entry.commands === 0
            ? ": no commands recorded yet."
            : `: its ${entry.commands === 1 ? "command" : `${entry.commands} commands`}, from the session's record.`}
        </p>
      );
    case "command":
      return <CommandCard entry={entry} answerable={answerable} onAnswer={onAnswer} />;
    case "error":
      return (
        <div class="card card--error" data-testid="tool-error" data-code={entry.code} role="alert">
          <div class="card__head">
            <span class="card__tag">{entry.title ? "not now" : "error"}</span>
            <span class="card__meta">
              {entry.title ?? `${entry.status ? `HTTP ${entry.status} · ` : ""}${entry.code}`}
            </span>
          </div>
          <p class="card__message">{entry.message}</p>
        </div>
      );
  }
}

/** What was typed to a card's command and what followed, and the box for the next answer. */
function Answers({
  entry,
  answerable,
  onAnswer,
}: {
  entry: ResultEntry;
  answerable: boolean;
  onAnswer: (input: string) => void;
}) {
  const last = entry.answers.at(-1);
  const sending = last !== undefined && last.result === null && last.error === null;
  // A command that ended (answered in the terminal, say) waits for nothing: no box to type into.
  const waiting = currentResult(entry)?.status === "awaiting_input" && !commandEnded(entry);
  return (
    <>
      {entry.answers.map((answer) => (
        <AnswerView key={answer.id} answer={answer} />
      ))}
      {answerable && (waiting || sending) ? (
        <AnswerBox sending={sending} onSend={onAnswer} />
      ) : null}
    </>
  );
}

function AnswerView({ answer }: { answer: Answer }) {
  const { result } = answer;
  return (
    <div class="card__answer" data-testid="answer" data-status={result?.status ?? "sending"}>
      <p class="card__answer-input">
        You typed <code>{showInput(answer.input)}</code>
        {result ? ` · ${statusWords(result)}` : answer.error ? "" : " · sending…"}
      </p>
      {result ? (
        <pre class="card__output" data-testid="answer-output">
          {result.output || "(no output)"}
        </pre>
      ) : null}
      {answer.error ? (
        <p class="card__message" role="alert" data-testid="answer-error">
          {answer.error}
        </p>
      ) : null}
    </div>
  );
}

// Control characters as a person names them: the line's Enter, Ctrl-C.
function showInput(input: string): string {
  return input
    .replace(/\n/g, "⏎")
    .replace(/\u0003/g, "Ctrl-C")
    .replace(/\u0004/g, "Ctrl-D");
}

function statusWords(result: InteractiveShellResult): string {
  return result.exit_code !== null ? `${result.status} · exit ${result.exit_code}` : result.status;
}

/** A command from the session's record, with its tool result when the agent typed it. */
function CommandCard({
  entry,
  answerable,
  onAnswer,
}: {
  entry: Extract<TranscriptEntry, { kind: "command" }>;
  answerable: boolean;
  onAnswer: (input: string) => void;
}) {
  const { record } = entry;
  const result = currentResult(entry);
  const resultFinal = result !== null && final(result);
  const exitCode = record.exitCode ?? (result?.status === "completed" ? result.exit_code : null);
  const state =
    record.end === null && result?.status === "awaiting_input"
      ? "waiting"
      : record.end === null && !resultFinal
        ? "running"
        : exitCode === null
          ? "ended"
          : exitCode === 0
            ? "success"
            : "failure";
  const source = record.source?.kind ?? "unknown";
  return (
    <div
      class="card card--command"
      data-testid="command-record"
      data-number={record.number}
      data-source={source}
      data-state={state}
      data-exit-code={exitCode ?? undefined}
    >
      <div class="card__head">
        <span class="card__tag">command {record.number}</span>
        <span class="card__meta">{SOURCE_WORDS[source]}</span>
        <span class={`card__state card__state--${STATE_CLASS[state]}`}>
          {state === "running" || state === "waiting"
            ? STATE_WORDS[state]
            : exitCode === null
              ? "ended"
              : `exit ${exitCode}`}
        </span>
      </div>
      <pre class="card__command">
        <code>$ {record.text ?? "(the shell did not report the command line)"}</code>
      </pre>
      {entry.result ? (
        // The record may end before the call's final result (and its output) comes back.
        <pre class="card__output" data-testid="command-output" data-result={entry.result.status}>
          {entry.result.output || (final(entry.result) ? "(no output)" : "(no output yet)")}
          {entry.result.output_truncated ? "\n… (truncated; the terminal has all of it)" : ""}
        </pre>
      ) : (
        <p class="card__note">Its output is in the terminal.</p>
      )}
      <Answers entry={entry} answerable={answerable} onAnswer={onAnswer} />
    </div>
  );
}

// A result that will not change: not "running" or "queued" (those are followed with `wait`).
function final(result: InteractiveShellResult): boolean {
  return result.status !== "running" && result.status !== "queued";
}

const SOURCE_WORDS = {
  agent: "run by the agent",
  writer: "typed in the terminal",
  unknown: "typed by someone",
} as const;

const STATE_WORDS = { running: "running", waiting: "waiting for input" } as const;

const STATE_CLASS = {
  running: "running",
  waiting: "running",
  success: "done",
  failure: "failed",
  ended: "ended",
} as const;

// The token is a credential: shown shortened, so a screenshot of the transcript does not leak it.
function redactToken<T extends { viewer: { token: string; url: string } }>(result: T): T {
  const token = result.viewer.token;
  const short = token.length > 12 ? `${token.slice(0, 6)}…${token.slice(-4)}` : "…";
  return {
    ...result,
    viewer: { ...result.viewer, token: short, url: result.viewer.url.replace(token, short) },
  };
}
