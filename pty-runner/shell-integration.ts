/** How to start each kind of shell, with OSC 133 prompt marks for bash and zsh. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { BASH_RCFILE, ZSH_ZSHENV, ZSH_ZSHRC } from "./shell-integration-scripts.ts";

/** Arguments and extra environment for one shell start. */
export interface ShellLaunch {
  args: string[];
  env: Record<string, string>;
  /** Whether the shell will emit OSC 133 marks (carrying the nonce it was given). */
  marks: boolean;
}

/**
 * The variable that hands the mark nonce to the startup scripts. They move it into a shell
 * variable and unset it at once, so the commands the shell runs never inherit it.
 */
export const MARK_NONCE_ENV = "WEBTERM_MARK_NONCE";

/** The shells we know how to integrate; anything else starts plainly. */
export type ShellKind = "bash" | "zsh" | "other";

/** Recognises a shell by its file name (`/usr/local/bin/bash-5.2` is bash too). */
export function shellKind(shell: string): ShellKind {
  const name = basename(shell);
  if (/^bash([-.\d]|$)/.test(name)) return "bash";
  if (/^zsh([-.\d]|$)/.test(name)) return "zsh";
  return "other";
}

/**
 * Owns the generated startup files (one private temp directory per runner, removed on stop)
 * and tells each session how to start its shell.
 */
export class ShellIntegration {
  readonly #enabled: boolean;
  #dir: string | null = null;

  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /**
   * How to start `shell`; `env` is the session's environment (read for ZDOTDIR), `nonce` the
   * session's mark nonce (mark-nonce.ts), passed only to shells that emit marks.
   */
  launch(shell: string, env: Record<string, string>, nonce: string): ShellLaunch {
    const kind = shellKind(shell);
    if (!this.#enabled || kind === "other") return { args: [], env: {}, marks: false };
    const dir = this.#files();
    const extra: Record<string, string> = { [MARK_NONCE_ENV]: nonce };
    if (kind === "bash") {
      return { args: ["--rcfile", join(dir, "bashrc"), "-i"], env: extra, marks: true };
    }
    extra.ZDOTDIR = join(dir, "zsh");
    if (env.ZDOTDIR) extra.WEBTERM_USER_ZDOTDIR = env.ZDOTDIR;
    return { args: ["-i"], env: extra, marks: true };
  }

  /** Removes the generated files. Running shells have read them already. */
  dispose(): void {
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = null;
  }

  #files(): string {
    // A long-lived runner may outlive a temp cleaner that deleted the files: write them again.
    if (this.#dir && existsSync(join(this.#dir, "zsh", ".zshrc"))) return this.#dir;
    this.dispose();
    // mkdtemp creates the directory 0700: nobody else on the machine can swap the rcfile.
    const dir = mkdtempSync(join(tmpdir(), "pty-runner-"));
    writeFileSync(join(dir, "bashrc"), BASH_RCFILE, { mode: 0o600 });
    mkdirSync(join(dir, "zsh"), { mode: 0o700 });
    writeFileSync(join(dir, "zsh", ".zshenv"), ZSH_ZSHENV, { mode: 0o600 });
    writeFileSync(join(dir, "zsh", ".zshrc"), ZSH_ZSHRC, { mode: 0o600 });
    this.#dir = dir;
    return dir;
  }
}
