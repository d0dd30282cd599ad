/** What the benchmark ran on: CPU model, cores, memory, Node version, kernel, load. */
import { cpus, loadavg, release, totalmem } from "node:os";

/** A one-line description of this machine. */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const memory = (totalmem() / 2 ** 30).toFixed(1);
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  return `${cpu}, ${cpus().length} cores, ${memory} GiB RAM, Node ${process.version}, Linux ${release()}, load average at start ${load}`;
}
