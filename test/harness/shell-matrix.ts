/** Fixtures for the shell-driver matrix: one stack with a bash host and a zsh host, and a directory per rc variant whose `.rc` the shell sources at start-up. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Stack } from "./edge-stack.ts";

/** The shells of the matrix. */
export type MatrixShell = "bash" | "zsh";

/** Where each shell runs: its runner's host and the shell program that runner starts. */
export const MATRIX_SHELLS: Record<MatrixShell, { host: string; path: string }> = {
  bash: { host: "bash-host", path: "/bin/bash" },
  zsh: { host: "zsh-host", path: "/usr/bin/zsh" },
};

/** The start-up variants, from the trivial to the ones that used to make tool calls lie. */
export const RC_VARIANTS = [
  "instant",
  "banner-sleep3",
  "silent-sleep6",
  "heavy-prompt-command",
  "two-line-prompt",
  "colour-prompt",
] as const;

/** One start-up variant. */
export type RcVariant = (typeof RC_VARIANTS)[number];

/** One cell of the matrix: a session on `host` started in `cwd(case)` gets this shell and start-up. */
export interface MatrixCase {
  shell: MatrixShell;
  variant: RcVariant;
  host: string;
  /** "bash, banner-sleep3" */
  name: string;
}

/** Every shell × variant, known before anything starts (tests are declared per case). */
export const MATRIX_CASES: readonly MatrixCase[] = (Object.keys(MATRIX_SHELLS) as MatrixShell[])
  .flatMap((shell) => RC_VARIANTS.map((variant) => ({ shell, variant })))
  .map(({ shell, variant }) => ({
    shell,
    variant,
    host: MATRIX_SHELLS[shell].host,
    name: `${shell}, ${variant}`,
  }));

/** The running matrix: the stack, where each case starts, and how to take it all down. */
export interface ShellMatrix {
  stack: Stack;
  /** The HOME every shell of the matrix gets. */
  home: string;
  /** The case's directory (holding its `.rc`): pass it as `cwd` when creating its sessions. */
  cwd(matrixCase: MatrixCase): string;
  stop(): Promise<void>;
}

// Both rc files source the session directory's .rc, so one HOME serves every variant: the
// session's cwd picks the start-up. $PWD is the directory the runner started the shell in.
const BASHRC = `# shell-matrix: sources the variant of the session's directory\nif [ -r "$PWD/.rc" ]; then . "$PWD/.rc"; fi\n`;
const ZSHRC = `# shell-matrix: sources the variant of the session's directory\nif [[ -r "$PWD/.rc" ]]; then . "$PWD/.rc"; fi\n`;

/**
 * The `.rc` of a variant. Every variant but `instant` first sets WEBTERM_RC to its name, so a test
 * can prove the file was sourced (a matrix whose rc never ran would pass without testing anything).
 */
export function rcScript(shell: MatrixShell, variant: RcVariant): string {
  const mark = `WEBTERM_RC=${variant}\n`;
  switch (variant) {
    case "instant":
      return "";
    case "banner-sleep3":
      return `${mark}echo "Welcome to the matrix host: maintenance tonight at 22:00"\nsleep 3\n`;
    case "silent-sleep6":
      return `${mark}sleep 6\n`;
    case "heavy-prompt-command":
      // Real work before every prompt, and a PS1 rebuilt each time (as themes do).
      return shell === "bash"
        ? `${mark}__matrix_heavy() {
  local i n=0
  for ((i = 0; i < 20000; i++)); do n=$((n + i)); done
  PS1="[$(ls /usr/bin | wc -l) $n] \\w \\\\$ "
}
PROMPT_COMMAND=__matrix_heavy
`
        : `${mark}__matrix_heavy() {
  local i n=0
  for ((i = 0; i < 20000; i++)); do n=$((n + i)); done
  PROMPT="[$(ls /usr/bin | wc -l) $n] %~ %# "
}
autoload -Uz add-zsh-hook
add-zsh-hook precmd __matrix_heavy
`;
    case "two-line-prompt":
      return shell === "bash"
        ? `${mark}PS1='\\u@\\h \\w\\n\\$ '\n`
        : `${mark}PROMPT=$'%n@%m %~\\n%# '\n`;
    case "colour-prompt":
      return shell === "bash"
        ? `${mark}PS1='\\[\\e[1;32m\\]\\u@\\h\\[\\e[0m\\]:\\[\\e[1;34m\\]\\w\\[\\e[0m\\]\\[\\e[38;5;208m\\]\\$\\[\\e[0m\\] '\n`
        : `${mark}PROMPT=$'%{\\e[1;32m%}%n@%m%{\\e[0m%}:%{\\e[1;34m%}%~%{\\e[0m%}%{\\e[38;5;208m%}%#%{\\e[0m%} '\n`;
  }
}

/** Writes HOME and the variant directories, starts one stack with a bash and a zsh runner. */
export async function startShellMatrix(): Promise<ShellMatrix> {
  const root = mkdtempSync(join(tmpdir(), "webterm-shell-matrix-"));
  const home = join(root, "home");
  mkdirSync(home);
  writeFileSync(join(home, ".bashrc"), BASHRC);
  writeFileSync(join(home, ".zshrc"), ZSHRC);
  const cwd = (c: MatrixCase) => join(root, c.shell, c.variant);
  for (const c of MATRIX_CASES) {
    mkdirSync(cwd(c), { recursive: true });
    writeFileSync(join(cwd(c), ".rc"), rcScript(c.shell, c.variant));
  }
  // HOME reaches the shells through the runner's default --env-allow list (pty-runner/options.ts).
  const env = { HOME: home };
  let stack: Stack;
  try {
    stack = await startStack({
      host: MATRIX_SHELLS.bash.host,
      runnerArgs: ["--shell", MATRIX_SHELLS.bash.path, "--cwd", home],
      runnerEnv: env,
      extraRunners: [
        {
          host: MATRIX_SHELLS.zsh.host,
          args: ["--shell", MATRIX_SHELLS.zsh.path, "--cwd", home],
          env,
        },
      ],
    });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  return {
    stack,
    home,
    cwd,
    async stop() {
      await stack.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
