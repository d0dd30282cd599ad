/** Fetches a session's recording with the page's join token as the bearer, and turns a refusal into words a person understands. */

/** The recording could not be had; `message` is meant for a person. */
export class RecordingFetchError extends Error {
  /** HTTP status, or 0 when the server could not be reached. */
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * `GET /api/sessions/{id}/recording` with `Authorization: Bearer <join token>`: the join token is
 * the only credential the join page has, and it goes in a header, never in the URL (URLs end up
 * in logs).
 */
export async function fetchRecording(
  server: string,
  sessionId: string,
  token: string,
  signal?: AbortSignal,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${server}/api/sessions/${encodeURIComponent(sessionId)}/recording`, {
      headers: { Authorization: `Bearer ${token}` },
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new RecordingFetchError(0, "The server could not be reached; try again.");
  }
  if (response.ok) return response.text();
  throw new RecordingFetchError(response.status, await refusal(response));
}

async function refusal(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as {
    error?: { message?: string };
  } | null;
  const why = body?.error?.message ?? `the server answered ${response.status}`;
  switch (response.status) {
    case 401:
      return `This link can no longer open the recording (${why}); ask for a new link.`;
    case 409:
      return "The session has ended and its recording was deleted with its output.";
    default:
      return `The recording could not be loaded: ${why}.`;
  }
}
