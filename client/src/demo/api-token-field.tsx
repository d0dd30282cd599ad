/** The API token input: kept in localStorage, hidden by default. */
import { useState } from "preact/hooks";

/** Props of ApiTokenField. */
export interface ApiTokenFieldProps {
  value: string;
  onChange: (value: string) => void;
}

/** Where to find the token, and a field to paste it into. */
export function ApiTokenField({ value, onChange }: ApiTokenFieldProps) {
  const [shown, setShown] = useState(false);
  const inputProps = {
    id: "api-token",
    class: "token-field__input",
    "data-testid": "api-token",
    autocomplete: "off",
    spellcheck: false,
    placeholder: "paste API_TOKEN",
    value,
    onInput: (event: Event) => onChange((event.currentTarget as HTMLInputElement).value.trim()),
  };
  return (
    <div class="token-field">
      <label class="token-field__label" for="api-token">
        API token
      </label>
      <div class="token-field__row">
        {shown ? <input type="text" {...inputProps} /> : <input type="password" {...inputProps} />}
        <button type="button" class="button button--ghost" onClick={() => setShown(!shown)}>
          {shown ? "Hide" : "Show"}
        </button>
      </div>
      <p class="token-field__hint">
        Find <code>API_TOKEN</code> in <code>.dev.vars</code> (<code>npm start</code> says where).
        It is kept in this browser's local storage.
      </p>
    </div>
  );
}
