/** What to tell a person when the edge refuses the runner for good: what happened and what to fix. */
import { CloseCode, describeCloseCode } from "../protocol/index.ts";

/** Words for a person when the edge refuses the control connection; never includes the token. */
export function refusalMessage(code: number, reason: string, host: string): string {
  const detail = reason ? ` (${reason})` : "";
  switch (code) {
    case CloseCode.UNAUTHORIZED:
      return `the edge refused this host credential${detail}. Mint a new one with POST /api/hosts {"host":"${host}"} and pass it with --token-file.`;
    case CloseCode.FORBIDDEN:
      return `the edge does not accept this credential here${detail}. A host credential serves only the host it names; API and join tokens cannot serve shells.`;
    case CloseCode.PROTOCOL_VERSION_UNSUPPORTED:
      return `the edge speaks another protocol version${detail}. Update pty-runner to match the edge.`;
    case CloseCode.REPLACED:
      return `another runner connected as host "${host}" and replaced this one${detail}. Give each machine its own --host.`;
    case CloseCode.SESSION_NOT_FOUND:
      return `the edge has no runner route at this URL${detail}. Check --url.`;
    default:
      return `the edge refused the runner: ${describeCloseCode(code)}${detail}.`;
  }
}
