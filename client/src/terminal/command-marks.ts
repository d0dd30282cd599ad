/**
 * The shell's OSC 133 marks as the panel reads them, and the commands they outline: prompt (A, B),
 * command start (C), command end (D;exit). Pure logic over opaque places, so it runs without xterm;
 * command-decorations.ts gives it xterm markers.
 */

/** One mark's letter: A prompt start, B input start, C command start, D command end. */
export type MarkKind = "A" | "B" | "C" | "D";

/** One mark, from the payload xterm hands an OSC 133 handler (`D;0;n=…`). */
export interface PanelMark {
  kind: MarkKind;
  /** D: the exit status, when the shell reported one. */
  exitCode: number | null;
  /** C: the command line the shell read (`cmdline_url=`, percent-encoded UTF-8), when it said. */
  commandLine: string | null;
}

const KINDS = new Set<string>(["A", "B", "C", "D"]);

/**
 * Reads an OSC 133 payload (what follows `133;`). The nonce (`n=…`) is not checked: the viewer
 * does not know it, so a program that prints look-alike marks is read like the shell. Null for a
 * payload that is not one of the four marks.
 */
export function parseMark(payload: string): PanelMark | null {
  const [kind = "", ...params] = payload.split(";");
  if (!KINDS.has(kind)) return null;
  let exitCode: number | null = null;
  let commandLine: string | null = null;
  if (kind === "D" && params[0] !== undefined && /^-?\d{1,10}$/.test(params[0])) {
    exitCode = Number(params[0]);
  }
  if (kind === "C") {
    const line = params.find((p) => p.startsWith("cmdline_url="));
    if (line !== undefined) commandLine = percentDecode(line.slice("cmdline_url=".length));
  }
  return { kind: kind as MarkKind, exitCode, commandLine };
}

function percentDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null; // Not UTF-8 after decoding: say nothing rather than something garbled.
  }
}

/** Where a command stands: no D yet, D with 0, D with another status, D without one. */
export type CommandState = "running" | "success" | "failure" | "unknown";

/** The state a D mark with `exitCode` leaves a command in. */
export function finishedState(exitCode: number | null): CommandState {
  if (exitCode === null) return "unknown";
  return exitCode === 0 ? "success" : "failure";
}

/** Words for a command's decoration (its tooltip). */
export function describeCommand(command: {
  state: CommandState;
  exitCode: number | null;
  commandLine: string | null;
}): string {
  const outcome = {
    running: "Running",
    success: "Succeeded (exit code 0)",
    failure: `Failed (exit code ${command.exitCode})`,
    unknown: "Ended (the shell reported no exit code)",
  }[command.state];
  return command.commandLine === null ? outcome : `${command.commandLine}\n${outcome}`;
}

/** One command the marks outlined; `P` is a place in the terminal (an xterm marker and a column). */
export interface TrackedCommand<P> {
  /** 1, 2, … in this terminal (a keyframe or a trimmed history makes it differ from the session's). */
  id: number;
  /** Where the decoration goes: the prompt's first row (A), else where typing began (B), else C. */
  prompt: P;
  /** The C mark: the command's first output cell. */
  outputStart: P;
  /** The D mark: one past its last output cell; null while it runs. */
  outputEnd: P | null;
  commandLine: string | null;
  exitCode: number | null;
  state: CommandState;
}

/** Places in the terminal, as the tracker asks for them. */
export interface PlaceKeeper<P> {
  /** The cursor's place now; null when none can be kept (the alternate screen is active). */
  here(): P | null;
  /** Lets go of a place no command holds. */
  release(place: P): void;
}

/** What a mark did to the commands, in order. */
export type TrackerEvent<P> =
  | { kind: "started"; command: TrackedCommand<P> }
  | { kind: "finished"; command: TrackedCommand<P> };

/**
 * Follows the marks: A (or B) holds the prompt's place, C starts a command there, D ends it with
 * its status. A D with no command running (an empty line, Ctrl-C at the prompt) lets the prompt go;
 * a C while one runs (a shell that lost its hooks) ends that one without a status first, as the
 * session's command log does.
 */
export class CommandTracker<P> {
  readonly #places: PlaceKeeper<P>;
  #prompt: P | null = null;
  #running: TrackedCommand<P> | null = null;
  #commands: TrackedCommand<P>[] = [];
  #nextId = 1;

  constructor(places: PlaceKeeper<P>) {
    this.#places = places;
  }

  /** The commands still held, oldest first. */
  get commands(): readonly TrackedCommand<P>[] {
    return this.#commands;
  }

  /** Applies one mark at the cursor's place. */
  mark(mark: PanelMark): TrackerEvent<P>[] {
    switch (mark.kind) {
      case "A":
        // A prompt drawn again (readline and zle redraw it on a resize) moves the place.
        this.#letPromptGo();
        this.#prompt = this.#places.here();
        return [];
      case "B":
        this.#prompt ??= this.#places.here();
        return [];
      case "C":
        return this.#start(mark.commandLine);
      case "D":
        return this.#finish(mark.exitCode);
    }
  }

  /** Drops a command whose places went away (trimmed from the scrollback, or cleared). */
  forget(command: TrackedCommand<P>): void {
    const at = this.#commands.indexOf(command);
    if (at === -1) return;
    this.#commands.splice(at, 1);
    if (this.#running === command) this.#running = null;
    this.#release(command);
  }

  /** Drops everything: the terminal was reset, so no place means anything any more. */
  reset(): TrackedCommand<P>[] {
    const dropped = this.#commands;
    this.#commands = [];
    this.#running = null;
    for (const command of dropped) this.#release(command);
    this.#letPromptGo();
    return dropped;
  }

  #start(commandLine: string | null): TrackerEvent<P>[] {
    const events = this.#running ? this.#finish(null) : [];
    const outputStart = this.#places.here();
    if (outputStart === null) {
      this.#letPromptGo();
      return events;
    }
    const command: TrackedCommand<P> = {
      id: this.#nextId++,
      prompt: this.#prompt ?? outputStart,
      outputStart,
      outputEnd: null,
      commandLine,
      exitCode: null,
      state: "running",
    };
    this.#prompt = null;
    this.#running = command;
    this.#commands.push(command);
    events.push({ kind: "started", command });
    return events;
  }

  #finish(exitCode: number | null): TrackerEvent<P>[] {
    const command = this.#running;
    if (!command) {
      // A line that ran nothing: its prompt is not a command's.
      this.#letPromptGo();
      return [];
    }
    this.#running = null;
    command.outputEnd = this.#places.here() ?? command.outputStart;
    command.exitCode = exitCode;
    command.state = finishedState(exitCode);
    return [{ kind: "finished", command }];
  }

  #letPromptGo(): void {
    if (this.#prompt !== null) this.#places.release(this.#prompt);
    this.#prompt = null;
  }

  #release(command: TrackedCommand<P>): void {
    const places = new Set([command.prompt, command.outputStart, command.outputEnd]);
    for (const place of places) if (place !== null) this.#places.release(place);
  }
}
