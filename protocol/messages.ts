/**
 * JSON control messages: one parse function per direction and peer, each checking the text
 * against that direction's schema (schemas/*-messages.ts). Terminal bytes never travel here: they
 * go in binary frames (binary-frames.ts). Every message is a JSON object with a `type`.
 */
import { HubToRunnerSchema, RunnerToHubSchema } from "./schemas/hub-messages.ts";
import type { HubToRunner, RunnerToHub } from "./schemas/hub-messages.ts";
import { parseMessageWith, type ParseResult } from "./schemas/parse.ts";
import { RunnerToSessionSchema, SessionToRunnerSchema } from "./schemas/runner-messages.ts";
import type { RunnerToSession, SessionToRunner } from "./schemas/runner-messages.ts";
import { SessionToViewerSchema, ViewerToSessionSchema } from "./schemas/viewer-messages.ts";
import type { SessionToViewer, ViewerToSession } from "./schemas/viewer-messages.ts";

export * from "./schemas/common.ts";
export * from "./schemas/command-record.ts";
export * from "./schemas/viewer-messages.ts";
export * from "./schemas/runner-messages.ts";
export * from "./schemas/hub-messages.ts";
export type { CheckResult, ParseResult } from "./schemas/parse.ts";
export { checkWith } from "./schemas/parse.ts";

/** Parses a viewer's control message. */
export function parseViewerMessage(text: string): ParseResult<ViewerToSession> {
  return parseMessageWith(ViewerToSessionSchema, text);
}

/** Parses a session's message to a viewer; clients ignore what fails (a newer server's messages). */
export function parseSessionToViewerMessage(text: string): ParseResult<SessionToViewer> {
  return parseMessageWith(SessionToViewerSchema, text);
}

/** Parses a runner's control message on its data connection. */
export function parseRunnerMessage(text: string): ParseResult<RunnerToSession> {
  return parseMessageWith(RunnerToSessionSchema, text);
}

/** Parses a runner's control message on its control connection. */
export function parseRunnerHubMessage(text: string): ParseResult<RunnerToHub> {
  return parseMessageWith(RunnerToHubSchema, text);
}

/**
 * Parses a session's message on a runner's data connection. A bad value from the edge is
 * refused here, so it never reaches node-pty or kills the runner's other shells.
 */
export function parseSessionToRunnerMessage(text: string): ParseResult<SessionToRunner> {
  return parseMessageWith(SessionToRunnerSchema, text);
}

/** Parses the hub's message on a runner's control connection. */
export function parseHubToRunnerMessage(text: string): ParseResult<HubToRunner> {
  return parseMessageWith(HubToRunnerSchema, text);
}
