/** Turns zod issues into one line that names each bad field and what was expected: `cols: expected an integer from 2 to 1000, got 1.5`. */
import type * as z from "zod/mini";

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/** At most this many problems are listed; a body with more says how many were left out. */
const MAX_LISTED = 5;

/**
 * The default wording of each kind of problem, used when a schema gives none of its own. Passed as
 * the parse's error map, so schemas that name their range ("expected an integer from 2 to 1000")
 * keep their words.
 */
export function defaultIssueMessage(issue: RawIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case "too_small":
      return `expected ${issue.inclusive === false ? "more than" : "at least"} ${issue.minimum}${unit(issue.origin)}`;
    case "too_big":
      return `expected ${issue.inclusive === false ? "less than" : "at most"} ${issue.maximum}${unit(issue.origin)}`;
    case "invalid_value":
      return `expected ${oneOf(issue.values)}`;
    case "invalid_format":
      return issue.format === "regex" && "pattern" in issue
        ? `expected text matching ${String(issue.pattern)}`
        : `expected ${issue.format}`;
    case "not_multiple_of":
      return `expected a multiple of ${issue.divisor}`;
    case "unrecognized_keys": {
      const keys = issue.keys.slice(0, MAX_LISTED).map((k) => JSON.stringify(short(k)));
      if (issue.keys.length > MAX_LISTED) keys.push("...");
      return `unknown field${issue.keys.length === 1 ? "" : "s"} ${keys.join(", ")}`;
    }
    case "invalid_union":
      if (issue.discriminator !== undefined && "options" in issue) {
        const options: unknown = issue.options;
        if (Array.isArray(options)) return `expected ${oneOf(options)}`;
      }
      return "matches none of the allowed shapes";
    case "invalid_key":
      return "has a key that is not allowed";
    case "invalid_element":
      return "has an element that is not allowed";
    default:
      return "is not allowed";
  }
}

/** One line for a failed parse: `path: problem, got value` for each issue, joined with "; ". */
export function describeIssues(issues: readonly Issue[]): string {
  // One value can fail two checks with the same words (a safe-integer bound and the field's own).
  const all = [...new Set(issues.map(describeIssue))];
  const lines = all.slice(0, MAX_LISTED);
  const more = all.length - MAX_LISTED;
  if (more > 0) lines.push(`and ${more} more problem${more === 1 ? "" : "s"}`);
  return lines.join("; ");
}

function describeIssue(issue: Issue): string {
  const where = pathText(issue.path);
  const missing = issue.code === "invalid_type" && issue.input === undefined;
  const problem = missing ? `required, ${issue.message}` : `${issue.message}${gotText(issue)}`;
  return `${where ? `${where}: ` : ""}${problem}`;
}

/** `exit.code`, `facts.foreground[2]`, `env["NOT-AN-IDENTIFIER"]`. */
export function pathText(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    const name = short(String(key));
    if (typeof key === "number") text += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(name)) text += text ? `.${name}` : name;
    else text += `[${JSON.stringify(name)}]`;
  }
  return text;
}

/** What was sent instead, when that helps: never for a missing or unknown field. */
function gotText(issue: Issue): string {
  if (!("input" in issue)) return "";
  let input = issue.input;
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined) return "";
      break;
    case "invalid_union": {
      // A discriminated union reports the whole object; what was wrong is its discriminator.
      if (!issue.discriminator || !isRecord(input)) return "";
      input = input[issue.discriminator];
      if (input === undefined) return "";
      break;
    }
    case "too_small":
    case "too_big":
      if (typeof input === "string") return `, got ${input.length} characters`;
      if (Array.isArray(input)) return `, got ${input.length} items`;
      break;
    case "invalid_value":
    case "invalid_format":
    case "not_multiple_of":
      break;
    default:
      return "";
  }
  return `, got ${describeValue(input)}`;
}

/** A short description of a JSON value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(short(value, 20))}`;
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "an object",
  record: "an object",
  array: "an array",
  null: "null",
};

function unit(origin: string): string {
  if (origin === "string") return " characters";
  if (origin === "array" || origin === "set") return " items";
  return "";
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  return shown.length === 1 ? shown[0]! : `one of ${shown.join(", ")}`;
}

/** Peers choose field names and values: an error quotes at most `max` characters of one. */
function short(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
