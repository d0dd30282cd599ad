/**
 * The demo page: a small agent console that runs interactive_shell and opens the terminal on its
 * result. It survives a reload: it lists the sessions to come back to and rejoins the one the tab
 * had open, its transcript rebuilt from the session's command records.
 */
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import type { InteractiveShellRequest, InteractiveShellResult } from "../../../protocol/index.ts";
import { measureTerminalSize } from "../terminal/measure-size.ts";
import { TerminalPanel } from "../terminal/terminal-panel.tsx";
import {
  ApiCallError,
  callInteractiveShell,
  createJoinGrant,
  followCall,
  sendInput,
} from "./agent-api.ts";
import { ApiTokenField } from "./api-token-field.tsx";
import { describeProblem } from "./call-problems.ts";
import { CommandForm } from "./command-form.tsx";
import { consoleReducer, INITIAL_CONSOLE, type ConsoleState } from "./console-state.ts";
import { SessionList } from "./session-list.tsx";
import { listSessions, restoreCommands, type SessionSummary } from "./session-records.ts";
import { ShareBox } from "./share-box.tsx";
import { recalledSession, rememberSession } from "./tab-memory.ts";
import { currentResult, entryId, type ResultEntry } from "./transcript-entry.ts";
import { Transcript } from "./transcript.tsx";
import { useStoredString } from "./use-stored-string.ts";

/** localStorage key of the API token. */
const TOKEN_KEY = "webterm.apiToken";
/**
 * How long the demo's calls wait before they come back "running" (ms). Short enough that a long
 * command shows its card soon; the card then follows the call to its end.
 */
const CALL_TIMEOUT_MS = 5_000;
/** The list of sessions waits this long after the token last changed (ms): pasting, not typing. */
const LIST_DELAY_MS = 250;

/** The whole demo page. */
export function AgentConsole() {
  const [apiToken, setApiToken] = useStoredString(TOKEN_KEY);
  const [state, dispatch] = useReducer(consoleReducer, INITIAL_CONSOLE);
  const { session, pending, exited } = state;
  const terminalSection = useRef<HTMLElement>(null);
  // Follows of "running" results stop when the page goes away.
  const follows = useRef(new AbortController());
  useEffect(() => () => follows.current.abort(), []);
  // The session this tab had open before a reload: rejoined once the list shows it is still live.
  const recalled = useRef(recalledSession());
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [listError, setListError] = useState<string | null>(null);
  const [rejoining, setRejoining] = useState<string | null>(null);

  // Whatever opened it (a tool result, a rejoin), a reload of this tab comes back to it.
  const openedSessionId = session?.sessionId ?? null;
  useEffect(() => {
    if (openedSessionId) rememberSession(openedSessionId);
  }, [openedSessionId]);

  const follow = (result: InteractiveShellResult): void => {
    // A card that says "running" must not stay so: follow the call to its end.
    void followCall(
      apiToken,
      result,
      (next) => dispatch({ type: "result-updated", result: next }),
      follows.current.signal,
    ).catch(() => {
      // The card keeps its last status; the terminal shows the truth meanwhile.
    });
  };

  const rejoin = async (sessionId: string): Promise<void> => {
    setRejoining(sessionId);
    setListError(null);
    try {
      const [grant, commands] = await Promise.all([
        createJoinGrant(apiToken, sessionId, "writer"),
        restoreCommands(apiToken, sessionId),
      ]);
      dispatch({ type: "session-rejoined", sessionId, token: grant.token, commands });
      for (const { result } of commands) {
        if (result && (result.status === "running" || result.status === "queued")) follow(result);
      }
    } catch (err) {
      const why = err instanceof ApiCallError ? err.message : String(err);
      setListError(`Could not rejoin the session: ${why}`);
    } finally {
      setRejoining(null);
    }
  };

  // With a token and no session open: list the sessions to come back to, and rejoin the one this
  // tab had open (once).
  const listing = !!apiToken && !session && !pending && rejoining === null;
  useEffect(() => {
    if (!listing) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      listSessions(apiToken, controller.signal).then(
        (list) => {
          setSessions(list);
          setListError(null);
          const wanted = recalled.current;
          recalled.current = null;
          if (!wanted) return;
          if (list.some((s) => s.id === wanted)) void rejoin(wanted);
          else rememberSession(null);
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setSessions([]);
          const why = err instanceof ApiCallError ? err.message : String(err);
          setListError(`Could not list the sessions: ${why}`);
        },
      );
    }, LIST_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [listing, apiToken]);

  // On a phone the terminal sits below the transcript: bring it into view when a result opens
  // a (new) session, so the person sees the output without hunting for it.
  useEffect(() => {
    const section = terminalSection.current;
    if (!openedSessionId || !section) return;
    const below = section.getBoundingClientRect().top > window.innerHeight / 2;
    if (below) section.scrollIntoView({ behavior: "smooth", block: "start" });
  }, [openedSessionId]);

  /** Runs `command` (null: only opens a new session), in the open session if `reuseSession`. */
  const run = async (command: string | null, reuseSession: boolean): Promise<void> => {
    const request: InteractiveShellRequest = { timeout_ms: CALL_TIMEOUT_MS };
    if (command !== null) request.initial_command = command;
    if (reuseSession && session && !exited) {
      request.session_id = session.sessionId;
    } else {
      // A new session starts at the size its panel will have, so the first command's output is
      // formatted for the screen it is shown on and never re-wrapped when the panel opens.
      const area = terminalSection.current?.querySelector<HTMLElement>(".terminal-panel");
      const size = area ? measureTerminalSize(area) : null;
      if (size) {
        request.cols = size.cols;
        request.rows = size.rows;
      }
    }
    dispatch({
      type: "call-started",
      command: command ?? "Start a new session",
      plain: command === null,
      request,
    });
    if (!apiToken) {
      dispatch({
        type: "call-failed",
        status: 0,
        code: "no_api_token",
        message: "Enter the API token first (see above).",
      });
      return;
    }
    try {
      const result = await callInteractiveShell(apiToken, request);
      dispatch({ type: "call-succeeded", result });
      follow(result);
    } catch (err) {
      const e =
        err instanceof ApiCallError ? err : new ApiCallError(0, "client_error", String(err));
      if (request.session_id) noticeEnd(request.session_id, e);
      const problem = describeProblem(e, { waitingForInput: waitingForInput(state) });
      dispatch({
        type: "call-failed",
        status: e.status,
        code: e.code,
        message: problem?.message ?? e.message,
        title: problem?.title,
      });
    }
  };

  /** Types `input` to the command of `entry`'s call (a waiting prompt), then follows it. */
  const answer = async (entry: ResultEntry, input: string): Promise<void> => {
    const target = entry.result;
    if (!target) return;
    const answerId = entryId();
    const sessionId = target.session_id;
    dispatch({ type: "answer-started", sessionId, callId: target.call_id, answerId, input });
    try {
      const result = await sendInput(apiToken, {
        session_id: sessionId,
        input,
        timeout_ms: CALL_TIMEOUT_MS,
      });
      dispatch({ type: "answer-sent", answerId, result });
      follow(result);
    } catch (err) {
      const e =
        err instanceof ApiCallError ? err : new ApiCallError(0, "client_error", String(err));
      noticeEnd(sessionId, e);
      const problem = describeProblem(e, { waitingForInput: false });
      dispatch({ type: "answer-failed", answerId, message: problem?.message ?? e.message });
    }
  };

  // A refusal that says the shell is gone: the console stops offering the session.
  const noticeEnd = (sessionId: string, error: ApiCallError): void => {
    if (error.code === "session_exited" || error.code === "session_ended") {
      dispatch({ type: "session-exited", sessionId });
    }
  };

  const newSessionButton = (
    <button
      type="button"
      class={exited ? "button button--primary" : "button button--ghost"}
      data-testid="new-session-button"
      disabled={pending || !apiToken}
      title="Open a fresh shell in a new session; the next command runs there"
      onClick={() => void run(null, false)}
    >
      New session
    </button>
  );

  return (
    <div class="app">
      <header class="app__header">
        <div class="brand">
          <span class="brand__mark" aria-hidden="true">
            ▍
          </span>
          <span class="brand__name">webterm</span>
          <span class="brand__sub">agent console demo</span>
        </div>
        <ApiTokenField value={apiToken} onChange={setApiToken} />
      </header>
      <main class="console">
        <section class="console__chat" aria-label="Agent transcript">
          {!session ? (
            <SessionList
              sessions={sessions}
              rejoining={rejoining}
              onRejoin={(id) => void rejoin(id)}
            />
          ) : null}
          {listError ? (
            <p class="console__error" role="alert" data-testid="session-list-error">
              {listError}
            </p>
          ) : null}
          <Transcript
            entries={state.entries}
            answerableSession={session && !exited ? session.sessionId : null}
            onAnswer={(entry, input) => void answer(entry, input)}
          />
          <CommandForm
            pending={pending}
            sessionId={session && !exited ? session.sessionId : null}
            exitedSessionId={session && exited ? session.sessionId : null}
            onRun={(c, r) => void run(c, r)}
          />
        </section>
        <section class="console__terminal" aria-label="Terminal" ref={terminalSection}>
          <div class="console__terminal-bar">
            {session && exited ? (
              <div class="console__exited" data-testid="exited-notice" role="status">
                <span>
                  The shell has exited: nothing more runs in this session, or can be shared.
                </span>
                {newSessionButton}
              </div>
            ) : session ? (
              <ShareBox key={session.sessionId} apiToken={apiToken} sessionId={session.sessionId}>
                {newSessionButton}
              </ShareBox>
            ) : (
              <span class="console__terminal-hint">No session yet</span>
            )}
          </div>
          <TerminalPanel
            sessionId={session?.sessionId ?? null}
            token={session?.token ?? null}
            // The shell's exit, as the panel sees it: stop offering to run in or share the session.
            onStateChange={(status) => {
              if (status.kind === "exited" && session) {
                dispatch({ type: "session-exited", sessionId: session.sessionId });
              }
            }}
            // The session's record of each command: a card waiting for input learns that the
            // command was answered in the terminal and ended.
            onCommand={(command) => {
              if (session)
                dispatch({ type: "command-recorded", sessionId: session.sessionId, command });
            }}
            // The tool result's link lasts an hour; the console renews it for as long as it is open.
            getToken={
              session
                ? async () => (await createJoinGrant(apiToken, session.sessionId, "writer")).token
                : undefined
            }
            waitingText={
              pending
                ? "Tool call running… the terminal opens when its result arrives."
                : rejoining
                  ? "Rejoining the session…"
                  : "The terminal opens when the agent's tool result arrives."
            }
          />
        </section>
      </main>
    </div>
  );
}

// Whether the newest command of the panel's session waits for input, as its card last said.
function waitingForInput(state: ConsoleState): boolean {
  const sessionId = state.session?.sessionId;
  const card = state.entries.findLast(
    (e): e is ResultEntry =>
      (e.kind === "tool-result" || e.kind === "command") && e.result?.session_id === sessionId,
  );
  return card ? currentResult(card)?.status === "awaiting_input" : false;
}
