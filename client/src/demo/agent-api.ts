/** Calls to the agent HTTP API the demo makes: the interactive_shell tool and join tokens. */
import type {
  ApiErrorBody,
  InteractiveShellRequest,
  InteractiveShellResult,
  JoinGrant,
  JoinGrantRequest,
  Role,
  WaitRequest,
} from "../../../protocol/index.ts";

/** An API call failed; `message` is meant for a person. */
export class ApiCallError extends Error {
  /** HTTP status, or 0 when the server could not be reached. */
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Runs `POST /api/tools/interactive_shell` with the API token. */
export async function callInteractiveShell(
  apiToken: string,
  request: InteractiveShellRequest,
  server = window.location.origin,
): Promise<InteractiveShellResult> {
  const result = await postJson<InteractiveShellResult>(
    `${server}/api/tools/interactive_shell`,
    apiToken,
    request,
  );
  // The terminal opens only with a session id; a result without one must not open anything.
  if (
    typeof result.session_id !== "string" ||
    result.session_id === "" ||
    typeof result.viewer?.token !== "string"
  ) {
    throw new ApiCallError(
      200,
      "bad_result",
      "The tool result has no session_id or viewer token, so no terminal opens.",
    );
  }
  return result;
}

/**
 * Follows a call that returned "running" or "queued" with `POST /api/tools/wait` until it ends,
 * calling `onResult` with each answer (the last one is final). Stops early when `signal` aborts.
 */
export async function followCall(
  apiToken: string,
  result: InteractiveShellResult,
  onResult: (result: InteractiveShellResult) => void,
  signal: AbortSignal,
  server = window.location.origin,
): Promise<void> {
  let current = result;
  while (!signal.aborted && (current.status === "running" || current.status === "queued")) {
    const body: WaitRequest = {
      session_id: current.session_id,
      call_id: current.call_id,
      timeout_ms: FOLLOW_WAIT_MS,
    };
    current = await postJson<InteractiveShellResult>(`${server}/api/tools/wait`, apiToken, body);
    if (!signal.aborted) onResult(current);
  }
}

/** How long one `wait` of the demo holds (ms): long polls, few requests. */
const FOLLOW_WAIT_MS = 25_000;

/** Mints a join link with `POST /api/sessions/{id}/tokens`. */
export async function createJoinGrant(
  apiToken: string,
  sessionId: string,
  role: Role,
  server = window.location.origin,
): Promise<JoinGrant> {
  const body: JoinGrantRequest = { role };
  return postJson<JoinGrant>(
    `${server}/api/sessions/${encodeURIComponent(sessionId)}/tokens`,
    apiToken,
    body,
  );
}

async function postJson<T>(url: string, apiToken: string, body: object): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiToken}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiCallError(
      0,
      "network_error",
      "Could not reach the server. Is it running (npm start)?",
    );
  }
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    if (isApiErrorBody(json))
      throw new ApiCallError(response.status, json.error.code, json.error.message);
    const detail = text.trim().slice(0, 200) || response.statusText;
    throw new ApiCallError(
      response.status,
      `http_${response.status}`,
      `HTTP ${response.status}: ${detail}`,
    );
  }
  if (json === null || typeof json !== "object") {
    throw new ApiCallError(
      response.status,
      "bad_response",
      "The server answered with something other than JSON.",
    );
  }
  return json as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { message?: unknown }).message === "string" &&
    typeof (error as { code?: unknown }).code === "string"
  );
}
