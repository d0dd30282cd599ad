/** Writing the measured table into docs/benchmarks.md between markers, keeping the hand-written findings around it. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const BEGIN = "<!-- bench:begin (written by `npm run bench`; edit outside these markers) -->";
const END = "<!-- bench:end -->";

/** What one run measured. */
export interface RunReport {
  date: string;
  machine: string;
  /** How long the run took (s). */
  seconds: number;
  table: string;
  notes: string[];
}

/** The generated block. */
export function renderRun(run: RunReport): string {
  return [
    BEGIN,
    "",
    `Measured ${run.date} on ${run.machine}. The run took ${run.seconds.toFixed(0)} s.`,
    "",
    run.table,
    "",
    ...run.notes.map((n) => `- ${n}`),
    "",
    END,
  ].join("\n");
}

/** Replaces the generated block in `path` (or creates the file around it). */
export function writeRun(path: string, run: RunReport): void {
  const block = renderRun(run);
  if (!existsSync(path)) {
    writeFileSync(path, `# Benchmarks\n\n${block}\n`);
    return;
  }
  const text = readFileSync(path, "utf8");
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + END.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}
