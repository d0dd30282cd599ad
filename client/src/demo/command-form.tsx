/** The command box: what the agent should run, and whether to reuse the open session. */
import { useState } from "preact/hooks";

/** Props of CommandForm. */
export interface CommandFormProps {
  pending: boolean;
  /** The open session, offered for follow-up commands. */
  sessionId: string | null;
  /** The open session whose shell has exited: not offered; the next command starts a new one. */
  exitedSessionId?: string | null;
  onRun: (command: string, reuseSession: boolean) => void;
}

/** A one-line form; Enter runs the command. */
export function CommandForm({ pending, sessionId, exitedSessionId, onRun }: CommandFormProps) {
  const [command, setCommand] = useState("whoami");
  const [reuse, setReuse] = useState(true);
  const submit = (event: Event): void => {
    event.preventDefault();
    const text = command.trim();
    if (!text || pending) return;
    onRun(text, reuse && sessionId !== null);
  };
  return (
    <form class="command-form" onSubmit={submit} data-testid="command-form">
      <div class="command-form__row">
        <span class="command-form__prompt" aria-hidden="true">
          $
        </span>
        <input
          class="command-form__input"
          data-testid="command-input"
          aria-label="Command for the agent to run"
          value={command}
          autocomplete="off"
          spellcheck={false}
          onInput={(event) => setCommand(event.currentTarget.value)}
        />
        <button
          class="button button--primary"
          type="submit"
          data-testid="run-button"
          disabled={pending || !command.trim()}
        >
          {pending ? "Running…" : "Run"}
        </button>
      </div>
      {sessionId ? (
        <label class="command-form__reuse">
          <input
            type="checkbox"
            data-testid="reuse-session"
            checked={reuse}
            onChange={(event) => setReuse(event.currentTarget.checked)}
          />
          <span>
            Run in the same session <code class="command-form__session">{sessionId}</code>
          </span>
        </label>
      ) : exitedSessionId ? (
        <p class="command-form__exited" data-testid="exited-hint">
          The shell of session <code class="command-form__session">{exitedSessionId}</code> has
          exited: the next command starts a new session.
        </p>
      ) : null}
    </form>
  );
}
