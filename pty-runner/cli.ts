/** The `pty-runner` command: parse flags, start the runner, stop it cleanly on SIGTERM/SIGINT. */
import { EXIT_CODES, helpText, parseCli, startupLines } from "./cli-args.ts";
import type { CliCommand } from "./cli-args.ts";
import { CONSOLE_LOGGER } from "./log.ts";
import { ConfigError, resolveRunnerOptions } from "./options.ts";
import type { RunnerOptions } from "./options.ts";
import { startRunner } from "./runner.ts";
import { RUNNER_VERSION } from "./version.ts";

async function main(): Promise<number> {
  let command: CliCommand;
  let options: RunnerOptions;
  try {
    command = parseCli(process.argv.slice(2), process.env);
    // Read once; nothing this process starts later (shells, helpers) may inherit it.
    delete process.env.RUNNER_TOKEN;
    if (command.kind === "help") {
      process.stdout.write(helpText());
      return EXIT_CODES.OK;
    }
    if (command.kind === "version") {
      process.stdout.write(`${RUNNER_VERSION}\n`);
      return EXIT_CODES.OK;
    }
    options = resolveRunnerOptions({ ...command.options, log: CONSOLE_LOGGER });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`pty-runner: ${error.message}`);
    return EXIT_CODES.BAD_CONFIGURATION;
  }

  for (const line of startupLines(options)) console.error(line);
  const runner = await startRunner(options);
  console.error(`connecting to ${options.url} ...`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      // A second Ctrl-C means "now": the shells get SIGHUP from the kernel as the PTYs close.
      console.error(`pty-runner: ${signal} again; exiting without waiting`);
      process.exit(EXIT_CODES.FAILED);
    }
    console.error(`pty-runner: ${signal}: ending sessions (again to force)`);
    void runner.stop();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  const reason = await runner.done;
  // The runner has already logged why the edge refused it.
  if (reason.kind === "refused") return EXIT_CODES.REFUSED_BY_EDGE;
  console.error("pty-runner: stopped");
  return EXIT_CODES.OK;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`pty-runner: unexpected failure: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(EXIT_CODES.FAILED);
  },
);
