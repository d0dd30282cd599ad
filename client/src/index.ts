/**
 * The library's entry (`@edge-web-terminal/client`): mountTerminal for any app, TerminalPanel for
 * Preact apps, TerminalConnection for the protocol without a UI. Styles: `…/style.css`.
 */
export { mountTerminal } from "./mount-terminal.ts";
export type {
  MountedTerminal,
  MountedTerminalEvents,
  MountTerminalOptions,
  TerminalStatusEvent,
} from "./mount-terminal.ts";
export { TerminalPanel } from "./terminal/terminal-panel.tsx";
export type { TerminalPanelProps } from "./terminal/terminal-panel.tsx";
export type { TerminalDisplay } from "./terminal/terminal-controller.ts";
export type { ColorScheme } from "./terminal/color-scheme.ts";
export { measureTerminalSize, type MeasureOptions } from "./terminal/measure-size.ts";
export { TerminalConnection } from "./connection/terminal-connection.ts";
export type {
  ConnectionNotice,
  KeyframeChunk,
  OutputChunk,
  ReconnectTiming,
  TerminalConnectionEvents,
  TerminalConnectionOptions,
} from "./connection/terminal-connection.ts";
export type { ProbeTiming } from "./connection/latency-probe.ts";
export type { Unsubscribe } from "./connection/typed-emitter.ts";
export { describeExit, describeStatus } from "./connection/connection-status.ts";
export type {
  ConnectionPhase,
  ConnectionSnapshot,
  StatusKind,
  StatusView,
} from "./connection/connection-status.ts";
export type {
  CommandRecord,
  ExitStatus,
  InputSource,
  KeyboardLease,
  Role,
  RunnerState,
  TerminalSize,
  ViewerPresence,
} from "../../protocol/index.ts";
