/**
 * The replay of a finished session, in its terminal's place: loads the recording with the page's
 * join token, plays it (replay-terminal.ts), and offers pause and resume, speeds, and the way back
 * to the live view. Thin: timing is the player's, the terminal the controller's.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ExitStatus } from "../../../protocol/index.ts";
import { readAsciicast, type Recording } from "./asciicast-reader.ts";
import { fetchRecording } from "./recording-fetch.ts";
import type { ReplaySpeed, ReplayState } from "./replay-player.ts";
import { startReplay, type ReplayController } from "./replay-terminal.ts";

/** The speeds offered, slowest first. */
export const REPLAY_SPEEDS: readonly ReplaySpeed[] = [1, 2, 8, "max"];

/** How often the position shown is brought up to date while playing (ms). */
const POSITION_TICK_MS = 250;

/** Props of ReplayView. */
export interface ReplayViewProps {
  /** The server's http(s) origin. */
  server: string;
  sessionId: string;
  /** The page's join token: the credential the recording is fetched with. */
  token: string;
  /** How the shell ended: the replay ends on the live terminal's exit marker. */
  exit?: ExitStatus | null;
  /** "Back to live view". */
  onClose: () => void;
}

type Loading =
  | { kind: "loading" }
  | { kind: "failed"; message: string }
  | { kind: "ready"; recording: Recording };

/** A replay panel laid over the live one; see the file comment. */
export function ReplayView({ server, sessionId, token, exit, onClose }: ReplayViewProps) {
  const [load, setLoad] = useState<Loading>({ kind: "loading" });
  // The token the page holds when the replay opens; a renewed one later changes nothing here.
  const tokenRef = useRef(token);
  useEffect(() => {
    const abort = new AbortController();
    fetchRecording(server, sessionId, tokenRef.current, abort.signal)
      .then((text) => setLoad({ kind: "ready", recording: readAsciicast(text) }))
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        setLoad({ kind: "failed", message });
      });
    return () => abort.abort();
  }, [server, sessionId]);

  const hostRef = useRef<HTMLDivElement>(null);
  const controllerRef = useRef<ReplayController | null>(null);
  const [speed, setSpeed] = useState<ReplaySpeed>(1);
  const speedRef = useRef(speed);
  speedRef.current = speed;
  const [state, setState] = useState<ReplayState>("paused");
  const [position, setPosition] = useState(0);
  /** Counts the runs: "Play again" starts a new one from the start. */
  const [run, setRun] = useState(0);
  const recording = load.kind === "ready" ? load.recording : null;

  // The terminal lives outside Preact: created once the recording is here, replaced on each run.
  useEffect(() => {
    const host = hostRef.current;
    if (!host || !recording) return;
    const sync = (): void => {
      const player = controllerRef.current?.player;
      if (!player) return;
      setState(player.state);
      setPosition(player.position);
    };
    const controller = startReplay(host, recording, speedRef.current, sync, exit ?? null);
    controllerRef.current = controller;
    sync();
    controller.focus();
    return () => {
      controllerRef.current = null;
      controller.dispose();
    };
  }, [recording, run]);

  useEffect(() => {
    if (state !== "playing") return;
    const timer = setInterval(() => {
      const player = controllerRef.current?.player;
      if (player) setPosition(player.position);
    }, POSITION_TICK_MS);
    return () => clearInterval(timer);
  }, [state]);

  const toggle = (): void => {
    const player = controllerRef.current?.player;
    if (state === "ended") setRun((n) => n + 1);
    else if (state === "playing") player?.pause();
    else player?.play();
  };
  const chooseSpeed = (next: ReplaySpeed): void => {
    setSpeed(next);
    controllerRef.current?.player.setSpeed(next);
  };

  return (
    <section
      class="terminal-panel replay-view"
      data-testid="replay-view"
      data-state={load.kind === "ready" ? state : load.kind}
    >
      <div class="terminal-status replay-view__bar">
        <span class="terminal-status__label">Replay</span>
        {recording ? (
          <>
            <button class="button replay-view__button" data-testid="replay-toggle" onClick={toggle}>
              {state === "playing" ? "Pause" : state === "ended" ? "Play again" : "Resume"}
            </button>
            <span class="replay-view__speeds" role="group" aria-label="Speed">
              {REPLAY_SPEEDS.map((option) => (
                <button
                  key={String(option)}
                  class="button replay-view__button"
                  data-testid="replay-speed"
                  data-speed={String(option)}
                  aria-pressed={option === speed}
                  onClick={() => chooseSpeed(option)}
                >
                  {option === "max" ? "Max" : `${option}×`}
                </button>
              ))}
            </span>
            <span class="replay-view__position" data-testid="replay-position">
              {formatTime(position)} / {formatTime(recording.duration)}
            </span>
          </>
        ) : (
          <span
            class="terminal-status__message"
            data-testid={load.kind === "failed" ? "replay-error" : undefined}
            data-level={load.kind === "failed" ? "error" : "info"}
          >
            {load.kind === "failed" ? load.message : "Loading the recording…"}
          </span>
        )}
        <span class="terminal-status__spacer" />
        <button
          class="button button--ghost replay-view__button"
          data-testid="replay-close"
          onClick={onClose}
        >
          Back to live view
        </button>
      </div>
      <div class="terminal-panel__viewport">
        <div ref={hostRef} class="terminal-panel__xterm" data-testid="replay-screen" />
      </div>
    </section>
  );
}

/** "1:05", or "1:02:05" from an hour on. */
function formatTime(seconds: number): string {
  const whole = Math.floor(seconds);
  const s = String(whole % 60).padStart(2, "0");
  const m = Math.floor(whole / 60) % 60;
  const h = Math.floor(whole / 3600);
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
