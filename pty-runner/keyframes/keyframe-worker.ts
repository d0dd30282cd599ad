/** A keyframe worker thread: parses the output of the sessions given to it in headless xterms, off the runner's main thread, and answers with keyframes at exact offsets. */
// One worker serves many sessions (a worker costs ~35 MB of its own; a session's tracker costs its
// buffers). Messages are handled in the order they were posted, and each keyframe is cut where
// its session's parser is between sequences (terminal-state-tracker.ts), so a keyframe at offset
// K reflects exactly bytes [0, K) of its session whatever the timing.
import { parentPort } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./keyframe-messages.ts";
import { KeyframeSchedule } from "./keyframe-schedule.ts";

// Report progress (for the main thread's backlog accounting) at least this often per session.
const PARSED_REPORT_BYTES = 256 * 1024;

const port = parentPort!;
const sessions = new Map<number, { schedule: KeyframeSchedule; reported: number }>();

function post(message: FromWorker): void {
  port.postMessage(message);
}

function report(session: number, entry: { schedule: KeyframeSchedule; reported: number }): void {
  entry.reported = entry.schedule.offset;
  post({ type: "parsed", session, offset: entry.schedule.offset, busyMs: entry.schedule.busyMs });
}

port.on("message", (message: ToWorker) => {
  if (message.type === "open") {
    const session = message.session;
    const schedule = new KeyframeSchedule(message.options, {
      keyframe: (keyframe, ids, serializeMs) =>
        post({ type: "keyframe", session, ids, keyframe, serializeMs }),
      oversized: (offset, ids) => post({ type: "oversized", session, ids, offset }),
      failed: (offset, error) => post({ type: "failed", session, offset, error }),
    });
    sessions.set(session, { schedule, reported: 0 });
    return;
  }
  const entry = sessions.get(message.session);
  if (!entry) return;
  switch (message.type) {
    case "output":
      entry.schedule.output(message.bytes);
      if (entry.schedule.offset - entry.reported >= PARSED_REPORT_BYTES)
        report(message.session, entry);
      break;
    case "resize":
      entry.schedule.resize(message.cols, message.rows);
      break;
    case "interval":
      entry.schedule.setInterval(message.everyBytes);
      break;
    case "keyframe":
      entry.schedule.request(message.id);
      // A request waiting for a sequence to end is not stuck behind a backlog: say so.
      report(message.session, entry);
      break;
    case "close":
      entry.schedule.dispose();
      sessions.delete(message.session);
      break;
  }
});
