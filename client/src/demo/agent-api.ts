/** Calls to the agent HTTP API the demo makes: the interactive_shell and wait tools, join tokens. */
import type {
  ApiErrorBody,
  InteractiveShellRequest,
  InteractiveShellResult,
  JoinGrant,
  JoinGrantRequest,
  Role,
  SendInputRequest,
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
 * Types `request.input` into the session with `POST /api/tools/send_input` (an answer to a
 * program that waits for input, or Ctrl-C); the result says what followed, in the same shape.
 */
export async function sendInput(
  apiToken: string,
  request: SendInputRequest,
  server = window.location.origin,
): Promise<InteractiveShellResult> {
  return postJson<InteractiveShellResult>(`${server}/api/tools/send_input`, apiToken, request);
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

/**
 * Asks `POST /api/tools/wait` once for the result of an earlier call, holding at most `timeoutMs`
 * (a call that ended answers at once; one still running answers "running").
 */
export async function fetchCallResult(
  apiToken: string,
  sessionId: string,
  callId: string,
  timeoutMs = 100,
  server = window.location.origin,
): Promise<InteractiveShellResult> {
  const body: WaitRequest = { session_id: sessionId, call_id: callId, timeout_ms: timeoutMs };
  return postJson<InteractiveShellResult>(`${server}/api/tools/wait`, apiToken, body);
}

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

/** `POST`s `body` as JSON with the API token; the answer's JSON, or an ApiCallError. */
export async function postJson<T>(url: string, apiToken: string, body: object): Promise<T> {
  return requestJson<T>(url, apiToken, "POST", body);
}

/** `GET`s `url` with the API token; the answer's JSON, or an ApiCallError. */
export async function getJson<T>(url: string, apiToken: string, signal?: AbortSignal): Promise<T> {
  return requestJson<T>(url, apiToken, "GET", undefined, signal);
}

async function requestJson<T>(
  url: string,
  apiToken: string,
  method: "GET" | "POST",
  body?: object,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${apiToken}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    // Aborted on purpose (the page moved on): not a network problem to report.
    if (signal?.aborted) throw error;
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
