/** Share buttons: mint a read-only or writable join link for the open session. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { JoinGrant, Role } from "../../../protocol/index.ts";
import { ApiCallError, createJoinGrant } from "./agent-api.ts";

/** Props of ShareBox. */
export interface ShareBoxProps {
  apiToken: string;
  sessionId: string;
  /** More buttons for the same row (the console's "New session"). */
  children?: ComponentChildren;
}

/** Two buttons and, once minted, the link with a copy button. */
export function ShareBox({ apiToken, sessionId, children }: ShareBoxProps) {
  const [grant, setGrant] = useState<JoinGrant | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);

  const share = async (role: Role): Promise<void> => {
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      setGrant(await createJoinGrant(apiToken, sessionId, role));
    } catch (err) {
      setGrant(null);
      setError(err instanceof ApiCallError ? err.message : "Could not create a link.");
    } finally {
      setBusy(false);
    }
  };
  const copy = async (): Promise<void> => {
    if (!grant) return;
    try {
      await navigator.clipboard.writeText(grant.url);
      setCopied(true);
    } catch {
      setError("Copying was refused by the browser; select the link and copy it by hand.");
    }
  };

  return (
    <div class="share-box" data-testid="share-box" role="group" aria-label="Share this terminal">
      <span class="share-box__title" aria-hidden="true">
        Share
      </span>
      <button
        type="button"
        class="button"
        data-testid="share-button"
        disabled={busy}
        onClick={() => void share("viewer")}
      >
        Read-only link
      </button>
      <button
        type="button"
        class="button"
        data-testid="share-writer-button"
        disabled={busy}
        onClick={() => void share("writer")}
      >
        Writable link
      </button>
      {children ? <span class="share-box__extra">{children}</span> : null}
      {grant ? (
        <div class="share-box__result">
          <input
            class="share-box__link"
            data-testid="share-link"
            data-role={grant.role}
            readOnly
            value={grant.url}
            onFocus={(event) => event.currentTarget.select()}
          />
          <button type="button" class="button button--ghost" onClick={() => void copy()}>
            {copied ? "Copied" : "Copy"}
          </button>
          <a
            class="button button--ghost"
            href={grant.url}
            target="_blank"
            rel="noopener noreferrer"
          >
            Open
          </a>
          <span class="share-box__expiry">
            {grant.role === "viewer" ? "read-only" : "can type"} · expires{" "}
            {new Date(grant.expires_at).toLocaleString()}
          </span>
        </div>
      ) : null}
      {error ? (
        <p class="share-box__error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
