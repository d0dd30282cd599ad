/**
 * A fake runner host for protocol tests (like sshx's Runner::Echo): it answers `open` requests,
 * connects data sockets and plays a tiny shell that emits OSC 133 marks with the session's nonce,
 * like the real runner's bash (its C marks carry the command line and the directory), and answers
 * probes with the terminal facts a real runner would read.
 */
import { encodeOutputFrame, type TerminalFacts } from "../../protocol/index.ts";
import { connectRunnerControl, connectRunnerData, type Peer } from "./helpers.ts";

/** The nonce every fake shell's marks carry. */
export const FAKE_NONCE = "fakeNonce0123456789abc";
/** A mark as the fake shell prints it; `nonce` null prints a look-alike without one. */
export const OSC = (body: string, nonce: string | null = FAKE_NONCE) =>
  `\x1b]133;${body}${nonce === null ? "" : `;n=${nonce}`}\x07`;
const PROMPT = () => `${OSC("A")}sandbox$ ${OSC("B")}`;
/** The C mark the runner's integration prints: the line and the directory, percent-encoded. */
export const C_MARK = (line: string, cwd: string, nonce: string | null = FAKE_NONCE) =>
  OSC(`C;cmdline_url=${encodeURIComponent(line)};cwd=${encodeURIComponent(cwd)}`, nonce);
/** Where every fake shell starts. */
export const FAKE_HOME = "/home/sandbox";

/** One fake shell behind one session's data socket. */
export class FakeShell {
  readonly peer: Peer;
  offset = 0;
  #line = "";
  #pending: ((line: string) => void) | null = null;
  #running: { interrupt: () => void; name: string } | null = null;
  #reads = 0;
  /** The shell's directory (`cd DIR` changes it). */
  cwd = FAKE_HOME;

  constructor(peer: Peer) {
    this.peer = peer;
    let seen = 0;
    peer.ws.addEventListener("message", (event) => {
      while (seen < peer.inputs.length)
        this.#onInput(new TextDecoder().decode(peer.inputs[seen++]));
      if (typeof event.data !== "string") return;
      const message = JSON.parse(event.data);
      if (message.type === "probe" && !peer.frozen) {
        peer.sendText({
          type: "terminal",
          probe: message.probe,
          offset: this.offset,
          facts: this.facts(),
        });
      }
    });
  }

  /** What a real runner would read in /proc now. */
  facts(): TerminalFacts {
    if (this.#pending) {
      return {
        shellInForeground: true,
        reading: "read",
        shellReads: this.#reads,
        foreground: ["bash"],
      };
    }
    if (this.#running) {
      return {
        shellInForeground: false,
        reading: null,
        shellReads: this.#reads,
        foreground: [this.#running.name],
      };
    }
    return {
      shellInForeground: true,
      reading: "poll",
      shellReads: this.#reads,
      foreground: ["bash"],
    };
  }

  /** Emits output with the next offsets. */
  emit(text: string): void {
    const bytes = new TextEncoder().encode(text);
    this.peer.ws.send(encodeOutputFrame(this.offset, bytes));
    this.offset += bytes.byteLength;
  }

  prompt(): void {
    this.emit(PROMPT());
  }

  #onInput(text: string): void {
    this.#reads++;
    for (const ch of text) {
      if (ch === "\x03") {
        this.emit("^C\r\n");
        this.#line = "";
        if (this.#running) this.#running.interrupt();
        else this.prompt(); // Ctrl-C at the prompt: the line is dropped, a new prompt drawn.
        continue;
      }
      if (ch === "\r" || ch === "\n") {
        this.emit("\r\n");
        const line = this.#line;
        this.#line = "";
        if (this.#pending) {
          const answer = this.#pending;
          this.#pending = null;
          answer(line);
        } else if (!this.#running) this.#run(line);
        continue;
      }
      this.#line += ch;
      this.emit(ch); // echo, as a terminal does
    }
  }

  #run(line: string): void {
    this.emit(C_MARK(line, this.cwd));
    const done = (code: number) => {
      this.#running = null;
      this.#pending = null;
      this.emit(`${OSC(`D;${code}`)}`);
      this.prompt();
    };
    if (line === "whoami") {
      this.emit("sandbox\r\n");
      done(0);
    } else if (line === "false") done(1);
    else if (line.startsWith("cd ")) {
      this.cwd = line.slice(3);
      done(0);
    } else if (line.startsWith("read")) {
      this.emit("Continue? [y/N] ");
      this.#running = { interrupt: () => done(130), name: "bash" };
      this.#pending = (answer) => {
        this.emit(answer === "y" ? "yes!\r\n" : "no\r\n");
        done(answer === "y" ? 0 : 1);
      };
    } else if (line.startsWith("sleep")) {
      this.#running = { interrupt: () => done(130), name: "sleep" };
    } else if (line.startsWith("fake-mark")) {
      // Output that prints a look-alike end mark (no nonce), then keeps running.
      this.emit(`${OSC("D;0", null)}${OSC("D;0", "wrongnonce")}still running\r\n`);
      this.#running = { interrupt: () => done(130), name: "fake-mark" };
    } else if (line === "echo $$") {
      this.emit("4242\r\n");
      done(0);
    } else if (line === "exit") {
      this.#running = null;
      this.peer.sendText({ type: "exit", exit: { code: 0, signal: null }, offset: this.offset });
    } else {
      this.emit(`bash: ${line}: command not found\r\n`);
      done(127);
    }
  }
}

/** A fake runner host: answers `open` by connecting a data socket with a FakeShell behind it. */
export class FakeRunnerHost {
  readonly shells = new Map<string, FakeShell>();
  readonly control: Peer;

  readonly host: string;

  private constructor(control: Peer, host: string) {
    this.control = control;
    this.host = host;
    control.ws.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      const message = JSON.parse(event.data);
      if (message.type === "open") void this.#open(message.sessionId);
    });
  }

  static async connect(host = "local"): Promise<FakeRunnerHost> {
    return new FakeRunnerHost(await connectRunnerControl(host), host);
  }

  async #open(sessionId: string): Promise<void> {
    const peer = await connectRunnerData(sessionId, undefined, this.host);
    const welcome = await peer.message("welcome");
    const shell = new FakeShell(peer);
    shell.offset = welcome.storedEnd;
    peer.sendText({ type: "hello", shell: "bash", marks: true, nonce: FAKE_NONCE });
    this.shells.set(sessionId, shell);
    shell.emit("Welcome to the fake shell\r\n");
    shell.prompt();
  }
}
