/** Dev secrets: from the environment if set, else from .dev.vars, else generated into .dev.vars. */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";

/** The two secrets the edge needs (runners get per-host credentials, minted once it runs). */
export const SECRET_NAMES = ["API_TOKEN", "SESSION_SECRET"] as const;
export type Secrets = Record<(typeof SECRET_NAMES)[number], string>;

/** Where each secret came from, for the start-up message (never the values). */
export type SecretSources = Record<
  (typeof SECRET_NAMES)[number],
  "environment" | ".dev.vars" | "generated"
>;

/** Parses KEY=VALUE lines (the .dev.vars / .env format wrangler reads). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match?.[1]) continue;
    let value = match[2] ?? "";
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    out[match[1]] = value;
  }
  return out;
}

/**
 * Resolves the secrets. Missing ones are generated and appended to `devVarsPath` (mode 0600),
 * so the next start and the user's own tools see the same values.
 */
export function resolveSecrets(
  devVarsPath: string,
  env: NodeJS.ProcessEnv = process.env,
): {
  secrets: Secrets;
  sources: SecretSources;
} {
  const fileText = existsSync(devVarsPath) ? readFileSync(devVarsPath, "utf8") : "";
  const fromFile = parseEnvFile(fileText);
  const secrets = {} as Secrets;
  const sources = {} as SecretSources;
  const generated: string[] = [];
  for (const name of SECRET_NAMES) {
    const fromEnv = env[name];
    if (fromEnv) {
      secrets[name] = fromEnv;
      sources[name] = "environment";
    } else if (fromFile[name]) {
      secrets[name] = fromFile[name];
      sources[name] = ".dev.vars";
    } else {
      secrets[name] = randomBytes(32).toString("base64url");
      sources[name] = "generated";
      generated.push(`${name}=${secrets[name]}`);
    }
  }
  if (generated.length > 0) {
    const prefix = fileText.length > 0 && !fileText.endsWith("\n") ? "\n" : "";
    const header =
      fileText.length === 0
        ? "# Local secrets for wrangler dev and the runner. Never commit this file.\n"
        : "";
    writeFileSync(devVarsPath, fileText + prefix + header + generated.join("\n") + "\n");
    chmodSync(devVarsPath, 0o600);
  }
  return { secrets, sources };
}

/**
 * Sets `name=value` in the env file at `path` (replacing an earlier line for `name`), mode 0600.
 * Used for the runner's host credential, which exists only once the edge has minted it.
 */
export function keepInEnvFile(path: string, name: string, value: string): void {
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const lines = text.split("\n").filter((line) => !new RegExp(`^\\s*${name}\\s*=`).test(line));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  lines.push(`${name}=${value}`);
  writeFileSync(path, lines.join("\n") + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Writes an env file for `wrangler dev --env-file` with the effective secrets (mode 0600). */
export function writeEnvFile(path: string, values: Record<string, string>): void {
  writeFileSync(
    path,
    Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n") + "\n",
    { mode: 0o600 },
  );
  chmodSync(path, 0o600);
}
