/**
 * The join page link: `/join#session=<id>&token=<token>`. The credential lives in the fragment,
 * which browsers never send to servers, so it stays out of access logs and Referer headers.
 */

/** Path of the join page (served from the client build as join.html). */
export const JOIN_PATH = "/join";

/** What a join link carries. */
export interface JoinLinkParams {
  sessionId: string;
  token: string;
}

/** Builds the join page URL for `origin` (for example "https://term.example.com"). */
export function joinLink(origin: string, params: JoinLinkParams): string {
  const fragment = new URLSearchParams({ session: params.sessionId, token: params.token });
  return `${origin}${JOIN_PATH}#${fragment.toString()}`;
}

/** Reads a join link's fragment (`location.hash`, with or without `#`); missing parts are null. */
export function parseJoinFragment(hash: string): {
  sessionId: string | null;
  token: string | null;
} {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const sessionId = params.get("session")?.trim() || null;
  const token = params.get("token")?.trim() || null;
  return { sessionId, token };
}
