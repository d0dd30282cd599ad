/** Messages between the bench and its viewer-swarm child processes (IPC), shared by both sides. */

/** What a group of readers connects to. */
export type GroupTarget =
  | {
      kind: "webterm";
      url: string;
      sessionId: string;
      /**
       * One token per reader, as each person has their own link (a link holds at most 8 sockets);
       * the first reader uses `writerToken` when given (it types). Stalled readers come after.
       */
      tokens: string[];
      writerToken?: string;
      /** Readers that acknowledge what they receive. */
      count: number;
      /** Extra readers that stop reading right after the welcome and never acknowledge. */
      stalled: number;
    }
  | { kind: "tty-share"; url: string }
  | { kind: "direct"; url: string; cmd: string };

/** Bench -> child. `group` names a set of readers on one target. */
export type ToChild =
  | { op: "open"; group: string; target: GroupTarget }
  | { op: "arm"; group: string; marker: string }
  | { op: "type"; group: string; text: string }
  | { op: "stats"; group: string }
  | { op: "close"; group: string };

/** Child -> bench. Times are epoch milliseconds (performance.timeOrigin + now()). */
export type FromChild =
  | { op: "opened"; group: string }
  | { op: "armed"; group: string }
  | { op: "typed"; group: string; at: number }
  /** Every acknowledging reader saw the marker: when, and how many bytes since `arm`. */
  | { op: "done"; group: string; times: number[]; bytes: number[] }
  | { op: "stats"; group: string; received: number }
  | { op: "closed"; group: string }
  | { op: "error"; group: string; message: string };
