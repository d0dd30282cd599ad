/** The chat-like transcript: the person's commands, the agent's tool calls and their results. */
import { useEffect, useRef } from "preact/hooks";
import type { TranscriptEntry } from "./transcript-entry.ts";

/** Props of Transcript. */
export interface TranscriptProps {
  entries: TranscriptEntry[];
}

/** Every entry, newest at the bottom, scrolled into view as they come. */
export function Transcript({ entries }: TranscriptProps) {
  const endRef = useRef<HTMLDivElement>(null);
  useEffect(
    () => endRef.current?.scrollIntoView({ block: "end", behavior: "smooth" }),
    [entries.length],
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
          <Entry entry={entry} />
        </li>
      ))}
      <div ref={endRef} />
    </ol>
  );
}

function Entry({ entry }: { entry: TranscriptEntry }) {
  switch (entry.kind) {
    case "user":
      return (
        <div class="bubble bubble--user">
          <span class="bubble__who">You</span>
          <code>{entry.text}</code>
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
      return (
        <div
          class="card card--result"
          data-testid="tool-result"
          data-session-id={result.session_id}
        >
          <div class="card__head">
            <span class="card__tag">tool result</span>
            <span class="card__meta">
              {result.status}
              {result.exit_code !== null ? ` · exit ${result.exit_code}` : ""}
              {" · session "}
              <code>{result.session_id}</code>
            </span>
          </div>
          <pre class="card__output" data-testid="tool-result-output">
            {result.output || "(no output)"}
            {result.output_truncated ? "\n… (truncated; the terminal has all of it)" : ""}
          </pre>
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
      return <CommandCard entry={entry} />;
    case "error":
      return (
        <div class="card card--error" data-testid="tool-error" role="alert">
          <div class="card__head">
            <span class="card__tag">error</span>
            <span class="card__meta">
              {entry.status ? `HTTP ${entry.status} · ` : ""}
              {entry.code}
            </span>
          </div>
          <p class="card__message">{entry.message}</p>
        </div>
      );
  }
}

/** A command from the session's record, with its tool result when the agent typed it. */
function CommandCard({ entry }: { entry: Extract<TranscriptEntry, { kind: "command" }> }) {
  const { record, result } = entry;
  const resultFinal = result !== null && result.status !== "running" && result.status !== "queued";
  const exitCode = record.exitCode ?? (result?.status === "completed" ? result.exit_code : null);
  const state =
    record.end === null && !resultFinal
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
          {state === "running" ? "running" : exitCode === null ? "ended" : `exit ${exitCode}`}
        </span>
      </div>
      <pre class="card__command">
        <code>$ {record.text ?? "(the shell did not report the command line)"}</code>
      </pre>
      {result ? (
        <pre class="card__output" data-testid="command-output">
          {result.output || "(no output)"}
          {result.output_truncated ? "\n… (truncated; the terminal has all of it)" : ""}
        </pre>
      ) : (
        <p class="card__note">Its output is in the terminal.</p>
      )}
    </div>
  );
}

const SOURCE_WORDS = {
  agent: "run by the agent",
  writer: "typed in the terminal",
  unknown: "typed by someone",
} as const;

const STATE_CLASS = {
  running: "running",
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
