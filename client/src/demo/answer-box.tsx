/** The answer box of a card whose command waits for input: Enter sends the line, Ctrl-C stops it. */
import { useState } from "preact/hooks";

/** Props of AnswerBox. */
export interface AnswerBoxProps {
  /** An answer is on its way: the box waits for what followed it. */
  sending: boolean;
  /** Sends `input` exactly (the line with its newline, or "\u0003" for Ctrl-C). */
  onSend: (input: string) => void;
}

/** Ctrl-C as the terminal sends it. */
const CTRL_C = "\u0003";

/** A one-line form; Enter sends the text and a newline, as pressing Enter in the terminal does. */
export function AnswerBox({ sending, onSend }: AnswerBoxProps) {
  const [text, setText] = useState("");
  const submit = (event: Event): void => {
    event.preventDefault();
    if (sending) return;
    onSend(`${text}\n`);
    setText("");
  };
  return (
    <form class="answer-box" data-testid="answer-form" onSubmit={submit}>
      <label class="answer-box__label" for="answer-input">
        The command is waiting for input. Type your answer:
      </label>
      <div class="answer-box__row">
        <input
          id="answer-input"
          class="answer-box__input"
          data-testid="answer-input"
          aria-label="Answer to the waiting command"
          value={text}
          autocomplete="off"
          spellcheck={false}
          onInput={(event) => setText(event.currentTarget.value)}
        />
        <button
          class="button button--primary"
          type="submit"
          data-testid="answer-send"
          disabled={sending}
        >
          {sending ? "Sending…" : "Send ⏎"}
        </button>
        <button
          class="button"
          type="button"
          data-testid="answer-interrupt"
          title="Stop the command, as Ctrl-C in the terminal does"
          disabled={sending}
          onClick={() => onSend(CTRL_C)}
        >
          Ctrl-C
        </button>
      </div>
    </form>
  );
}
