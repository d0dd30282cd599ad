/** Fields the HTTP API's request bodies share (session ids, hosts, sizes, timeouts, call ids), each with the description agents read in the served JSON Schema. */
import * as z from "zod/mini";
import { HOST_NAME_PATTERN } from "../host-name.ts";
import { MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS } from "../limits.ts";
import { ColsSchema, RowsSchema } from "../terminal-size.ts";
import { integer, patterned, text } from "./fields.ts";

export const SessionIdField = text(1, 64).check(
  z.describe("The session_id returned by interactive_shell."),
);

export const HostField = patterned(
  HOST_NAME_PATTERN,
  "1-64 letters, digits, '.', '_' or '-'",
).check(
  z.describe(
    'For a new session: the runner host (default: the only connected host, else "local").',
  ),
);

export const CwdField = text(0, 4096).check(
  z.describe("For a new session: its working directory."),
);

export const ColsField = ColsSchema.check(
  z.describe(`For a new session: terminal columns, ${MIN_COLS} to ${MAX_COLS} (default 80).`),
);

export const RowsField = RowsSchema.check(
  z.describe(`For a new session: terminal rows, ${MIN_ROWS} to ${MAX_ROWS} (default 24).`),
);

export const TimeoutMsField = integer(100, 300_000).check(
  z.describe(
    'Return after this many milliseconds even if the command has not ended (default 10000); it goes on, and "wait" with the call_id returns its end.',
  ),
);

export const CallIdField = patterned(
  /^[A-Za-z0-9._:-]{1,128}$/,
  "1-128 letters, digits, '.', '_', ':' or '-'",
).check(
  z.describe(
    "Your id for this call. Repeating a call with the same call_id returns that call's result and never runs it twice (safe retries).",
  ),
);
