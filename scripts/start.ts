/** `npm start`: the local web terminal — wrangler dev on 127.0.0.1 with a pty-runner for host "local" attached. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT, startEdge, startRunnerProcess } from "./lib/dev-stack.ts";
import { edgeAccepts, mintHostCredential } from "./lib/host-credentials.ts";
import { keepInEnvFile, parseEnvFile, resolveSecrets } from "./lib/secrets.ts";

const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`PORT must be a TCP port number, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}
for (const built of ["client/dist/index.html", "pty-runner/dist/pty-runner.mjs"]) {
  if (!existsSync(join(PROJECT_ROOT, built))) {
    console.error(
      `${built} is missing: run \`npm start\` (it builds first), or \`npm run build\`.`,
    );
    process.exit(2);
  }
}

const devVars = join(PROJECT_ROOT, ".dev.vars");
const { secrets, sources } = resolveSecrets(devVars);
const host = process.env.RUNNER_HOST ?? "local";

console.log(`Starting the edge (wrangler dev) on http://127.0.0.1:${port} ...`);
const edge = await startEdge({ port, secrets, echoPrefix: "[edge]" }).catch((error: Error) => {
  console.error(error.message);
  console.error(`Is port ${port} free? Set PORT to use another one.`);
  process.exit(1);
});
// The runner's credential proves host `host` only. Kept in .dev.vars (or given as
// RUNNER_CREDENTIAL); minted again when the edge no longer has it (fresh local storage).
const credential = await hostCredential(edge.url).catch(async (error: Error) => {
  console.error(`Could not get a runner credential for host "${host}": ${error.message}`);
  await edge.stop();
  process.exit(1);
});
const runner = startRunnerProcess({
  url: edge.url,
  host,
  token: credential.value,
  echoPrefix: "[runner]",
});

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await runner.stop();
    await edge.stop();
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
void runner.exited.then((code) => {
  if (!stopping) {
    console.error(`The runner exited (code ${code}); stopping.`);
    void stop(1);
  }
});
void edge.exited.then((code) => {
  if (!stopping) {
    console.error(`The edge exited (code ${code}); stopping.`);
    void stop(1);
  }
});

await waitForHost(edge.url, secrets.API_TOKEN, host);
const where = (name: keyof typeof sources) =>
  sources[name] === "environment"
    ? "from the environment"
    : `in ${devVars}${sources[name] === "generated" ? " (generated just now)" : ""}`;
console.log(`
  Edge web terminal is running.

  Open        ${edge.url}/
  API token   API_TOKEN ${where("API_TOKEN")}: paste it into the page once
  Runner      host "${host}" connected (its credential: RUNNER_CREDENTIAL ${credential.where})
  Stop        Ctrl-C
`);

async function hostCredential(url: string): Promise<{ value: string; where: string }> {
  const kept = process.env.RUNNER_CREDENTIAL
    ? { value: process.env.RUNNER_CREDENTIAL, where: "from the environment" }
    : existsSync(devVars)
      ? {
          value: parseEnvFile(readFileSync(devVars, "utf8")).RUNNER_CREDENTIAL ?? "",
          where: `in ${devVars}`,
        }
      : { value: "", where: "" };
  if (kept.value && (await edgeAccepts(url, secrets.API_TOKEN, host, kept.value))) return kept;
  const value = await mintHostCredential(url, secrets.API_TOKEN, host);
  keepInEnvFile(devVars, "RUNNER_CREDENTIAL", value);
  return { value, where: `in ${devVars} (minted just now)` };
}

async function waitForHost(url: string, apiToken: string, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/api/hosts`, {
        headers: { Authorization: `Bearer ${apiToken}` },
      });
      const body = (await response.json()) as { hosts?: { host: string; runner: string }[] };
      if (body.hosts?.some((h) => h.host === name && h.runner === "online")) return;
    } catch {
      // The edge may be reloading.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.error(`The runner did not connect within 30 s. Its output:\n${runner.output()}`);
  await stop(1);
}
