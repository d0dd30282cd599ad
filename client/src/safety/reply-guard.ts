/**
 * Keeps a terminal from answering queries it should not answer.
 *
 * xterm answers some escape sequences by itself: cursor position (CSI 6n), device attributes
 * (CSI c, CSI > c), status and mode reports, DECRQSS, colour queries (OSC 4/10/11/12 "?"), the
 * focus state when DECSET 1004 turns focus reporting on. The answer leaves through onData exactly
 * like a keystroke. A viewer that joins late replays queries the shell sent long ago; answering
 * them types garbage such as "^[[12;1R" into whatever runs now, once per connected writer.
 *
 * The rule: an automatic answer is forwarded only when the query that caused it arrived live
 * (after the session's `live` message). Keystrokes, pastes and mouse reports always go through.
 *
 * How: for each sequence xterm answers, a handler is registered in front of xterm's own. It
 * records whether the output being parsed is live, then returns false so xterm still handles the
 * sequence. xterm answers synchronously inside that same parse, so an onData fired while the mark
 * is set is an answer. A microtask clears the mark: it runs when the parse slice returns to the
 * event loop, before any keyboard or mouse event can fire.
 */
import type { IDisposable, IFunctionIdentifier, IParser } from "@xterm/xterm";

/** The parser hooks the guard needs (the same in @xterm/xterm and @xterm/headless). */
export type ParserHooks = Pick<
  IParser,
  "registerCsiHandler" | "registerDcsHandler" | "registerOscHandler"
>;

/** Where a piece of onData came from. */
export type InputOrigin =
  /** Typed, pasted, clicked or focused by the person at this terminal. */
  | "user"
  /** xterm's answer to a query that arrived live: forward it. */
  | "live-reply"
  /** xterm's answer to a replayed query: drop it. */
  | "replayed-reply";

// Every sequence xterm 6.0 answers on its own (InputHandler.ts, CoreBrowserTerminal.ts).
// test/node/client/reply-guard.test.ts fails if xterm grows a new answering call site.
const CSI_QUERIES: IFunctionIdentifier[] = [
  { final: "c" }, // DA1
  { prefix: ">", final: "c" }, // DA2
  { final: "n" }, // DSR: 5n status, 6n cursor position
  { prefix: "?", final: "n" }, // DECXCPR
  { intermediates: "$", final: "p" }, // DECRQM, ANSI modes
  { prefix: "?", intermediates: "$", final: "p" }, // DECRQM, DEC modes
  { final: "t" }, // window reports (answered only if windowOptions enable them)
  { prefix: "?", final: "h" }, // DECSET 1004 makes xterm report the focus state at once
];
const DCS_QUERIES: IFunctionIdentifier[] = [{ intermediates: "$", final: "q" }]; // DECRQSS
const OSC_QUERIES = [4, 10, 11, 12]; // colour queries ("?")

/** Marks xterm's automatic answers so they can be told apart from keystrokes. */
export class ReplyGuard implements IDisposable {
  #parsingLive: () => boolean;
  #mark: { live: boolean } | null = null;
  #handlers: IDisposable[];

  /**
   * `parsingLive` says whether the output xterm is parsing right now arrived live. It must be
   * asked at parse time, not at arrival time: xterm parses asynchronously, so replayed bytes can
   * still be parsed after `live` has arrived.
   */
  constructor(parser: ParserHooks, parsingLive: () => boolean) {
    this.#parsingLive = parsingLive;
    const mark = (): boolean => {
      this.#markQuery();
      return false; // Not handled: xterm's own handler runs next and answers.
    };
    this.#handlers = [
      ...CSI_QUERIES.map((id) => parser.registerCsiHandler(id, mark)),
      ...DCS_QUERIES.map((id) => parser.registerDcsHandler(id, mark)),
      ...OSC_QUERIES.map((code) => parser.registerOscHandler(code, mark)),
    ];
  }

  /** Call synchronously from onData/onBinary: where did this data come from? */
  classify(): InputOrigin {
    if (!this.#mark) return "user";
    return this.#mark.live ? "live-reply" : "replayed-reply";
  }

  dispose(): void {
    for (const handler of this.#handlers) handler.dispose();
    this.#handlers = [];
    this.#mark = null;
  }

  #markQuery(): void {
    const mark = { live: this.#parsingLive() };
    this.#mark = mark;
    queueMicrotask(() => {
      if (this.#mark === mark) this.#mark = null;
    });
  }
}
