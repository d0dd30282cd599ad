/** Benchmark results: one row per figure, with its context and target, rendered as a Markdown table. */

/** A target beside a figure: met or missed, for reporting (never pass/fail). */
export interface Target {
  /** How the target reads, for example "≤ 5 ms". */
  text: string;
  met: boolean;
}

/** One figure in the table. */
export interface Row {
  /** Scenario key: throughput, echo, late-join, keyframes, fan-out, many-sessions, tool-call, identity. */
  scenario: string;
  /** What is measured, for a person. */
  measure: string;
  /** The figure, or null when it could not be measured (see `note`). */
  value: number | null;
  unit: string;
  /** Spread or absolute context, for example "min 0.71, max 0.83; ours 31 MB/s". */
  context?: string;
  target?: Target;
  note?: string;
  /** A check behind the figure failed (a wrong screen): no value, `note` says why, the run fails. */
  failed?: boolean;
}

/** Every scenario the table must show (the quick test checks each has a row). */
export const SCENARIOS = [
  "throughput",
  "echo",
  "late-join",
  "keyframes",
  "fan-out",
  "many-sessions",
  "tool-call",
  "identity",
] as const;

/** A number with sensible precision. */
export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toFixed(d);
}

/** A target of the form "value ≤ limit" (or ≥), evaluated now. */
export function atMost(value: number, limit: number, unit: string): Target {
  return { text: `≤ ${limit}${unit}`, met: value <= limit };
}

/** A target of the form "value ≥ limit". */
export function atLeast(value: number, limit: number, unit: string): Target {
  return { text: `≥ ${limit}${unit}`, met: value >= limit };
}

/** A row for a figure that could not be measured. */
export function skipped(scenario: string, measure: string, unit: string, note: string): Row {
  return { scenario, measure, value: null, unit, note };
}

/** Renders rows as a Markdown table (also readable as plain text). */
export function renderTable(rows: readonly Row[]): string {
  const lines = [
    "| scenario | measure | result | context | target | met? |",
    "| --- | --- | ---: | --- | --- | --- |",
  ];
  for (const row of rows) {
    const result = row.value === null ? "—" : `${fmt(row.value)}${row.unit ? ` ${row.unit}` : ""}`;
    const context = [row.context, row.note].filter(Boolean).join("; ");
    const target = row.target?.text ?? "";
    const met = row.target ? (row.target.met ? "met" : "**missed**") : "";
    lines.push(
      `| ${row.scenario} | ${row.measure} | ${result} | ${escape(context)} | ${target} | ${met} |`,
    );
  }
  return lines.join("\n");
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
