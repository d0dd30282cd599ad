/** The extra-keys row of touch screens (Esc, sticky Ctrl, Tab, arrows, | ~ /), which soft keyboards lack. */
import type { TerminalController } from "./terminal-controller.ts";
import { TOUCH_KEYS } from "./touch-keys.ts";

/** Props of TouchKeysRow. */
export interface TouchKeysRowProps {
  /** Null until the terminal is open and the session said this link may type: keys disabled. */
  controller: TerminalController | null;
  /** Whether Ctrl applies to the next key (the controller tells the panel). */
  ctrlLatched: boolean;
}

/**
 * One row of buttons. A button never takes the focus (pointerdown is cancelled), so the soft
 * keyboard stays up and the next key typed on it still goes to the terminal.
 */
export function TouchKeysRow({ controller, ctrlLatched }: TouchKeysRowProps) {
  const keepFocus = (event: Event): void => event.preventDefault();
  return (
    <div
      class="terminal-touch-keys"
      data-testid="terminal-touch-keys"
      role="toolbar"
      aria-label="Extra keys"
    >
      <button
        type="button"
        class="terminal-touch-keys__key"
        data-key="Ctrl"
        aria-pressed={ctrlLatched}
        disabled={!controller}
        onPointerDown={keepFocus}
        onMouseDown={keepFocus}
        onClick={() => controller?.setCtrlLatched(!ctrlLatched)}
      >
        Ctrl
      </button>
      {TOUCH_KEYS.map((key) => (
        <button
          key={key.name}
          type="button"
          class="terminal-touch-keys__key"
          data-key={key.name}
          aria-label={key.name}
          disabled={!controller}
          onPointerDown={keepFocus}
          onMouseDown={keepFocus}
          onClick={() => controller?.type(key.bytes(controller.applicationCursorKeys()))}
        >
          {key.label}
        </button>
      ))}
    </div>
  );
}
