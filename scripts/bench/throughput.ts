/** Scenario 1, output throughput: `cat` of a big file through a session to one viewer, against the raw PTY and tty-share. */
import { createSession, endSession, openShell } from "./bench-stack.ts";
import { withTimeout } from "./clock.ts";
import { rotate, type BenchContext } from "./config.ts";
import { rawPtyCat } from "./raw-pty.ts";
import { atLeast, fmt, skipped, type Row } from "./results.ts";
import { mbPerSecond, ratios, spread } from "./stats.ts";
import { TtyShareClient, startTtyShare } from "./tty-share.ts";
import { plainTypist, runMarked, waitForText, webtermTypist, type Typist } from "./typist.ts";

const SCENARIO = "throughput";
const PROMPT = /[$#] $/;

/** Runs interleaved rounds raw / ours / tty-share and reports the ratios. */
export async function benchThroughput(ctx: BenchContext): Promise<Row[]> {
  const { config, stack, dataFile } = ctx;
  const size = config.throughputBytes;
  const timeoutMs = 60_000 + size / 1000; // ≥ 1 MB/s, or something is broken

  const session = await createSession(stack);
  const writer = await openShell(stack, session);
  const ours = webtermTypist(writer);

  let tty: { typist: Typist; stop(): Promise<void> } | null = null;
  if (ctx.ttyShare.ok) {
    const server = await startTtyShare();
    const client = new TtyShareClient(server.url);
    await withTimeout(client.open, 10_000, "tty-share to accept the client");
    const typist = plainTypist(client);
    // tty-share's bash prints its prompt before any client joins; ask for a fresh one.
    const prompt = waitForText(typist, PROMPT, 10_000, "tty-share's prompt");
    typist.type("\r");
    await prompt;
    tty = {
      typist,
      async stop() {
        client.close();
        await server.stop();
      },
    };
  }

  // MB/s of bytes the viewer really received (a viewer made to resume skips bytes), and MB/s of
  // the time to the end marker alone, whatever was skipped.
  const series: Record<string, number[]> = { raw: [], ours: [], tty: [] };
  const toMarker: number[] = [];
  const systems = ["raw", "ours", ...(tty ? ["tty"] : [])];
  // Times the session made our viewer resume (4008: it fell behind the retained history).
  let resumes = 0;
  let skippedBytes = 0;
  try {
    for (let r = 0; r < config.warmupRounds + config.rounds; r++) {
      const measured = r >= config.warmupRounds;
      for (const system of rotate(systems, r)) {
        let run: { ms: number; bytes: number };
        if (system === "raw") run = await rawPtyCat(dataFile, timeoutMs);
        else if (system === "ours") {
          const before = { resumes: writer.resumes, skipped: writer.skippedBytes };
          run = await runMarked(ours, `cat ${dataFile}`, timeoutMs);
          if (measured) {
            resumes += writer.resumes - before.resumes;
            skippedBytes += writer.skippedBytes - before.skipped;
            toMarker.push(mbPerSecond(size, run.ms));
          }
        } else run = await runMarked(tty!.typist, `cat ${dataFile}`, timeoutMs);
        const rate = mbPerSecond(run.bytes, run.ms);
        if (measured) series[system]!.push(rate);
        ctx.log(
          `  throughput round ${r}${measured ? "" : " (warm-up)"} ${system}: ${fmt(rate)} MB/s received, ${fmt(run.bytes / 2 ** 20)} MiB in ${fmt(run.ms)} ms`,
        );
      }
    }
  } finally {
    await writer.close();
    await endSession(stack, session.id);
    await tty?.stop();
  }

  const ours_ = spread(series.ours!);
  const raw = spread(series.raw!);
  const vsRaw = spread(ratios(series.ours!, series.raw!));
  const label = `${fmt(size / 2 ** 20, 0)} MiB`;
  const rows: Row[] = [
    {
      scenario: SCENARIO,
      measure: `cat ${label}: ours ÷ raw PTY (MB/s received)`,
      value: vsRaw.median,
      unit: "×",
      context: `per-round min ${fmt(vsRaw.min)}, max ${fmt(vsRaw.max)}; received: ours ${fmt(ours_.median)} MB/s, raw PTY ${fmt(raw.median)} MB/s; ours to the end marker ${fmt(spread(toMarker).median)} MB/s`,
      ...(resumes > 0
        ? {
            note: `our viewer fell more than the history cap behind and was made to resume (4008) ${resumes} times in ${config.rounds} rounds, skipping ${fmt(skippedBytes / 2 ** 20)} MiB of ${fmt((config.rounds * size) / 2 ** 20, 0)} MiB`,
          }
        : {}),
      target: atLeast(vsRaw.median, 0.8, "×"),
    },
  ];
  if (tty) {
    const vsTty = spread(ratios(series.ours!, series.tty!));
    rows.push({
      scenario: SCENARIO,
      measure: `cat ${label}: ours ÷ tty-share (MB/s received)`,
      value: vsTty.median,
      unit: "×",
      context: `per-round min ${fmt(vsTty.min)}, max ${fmt(vsTty.max)}; tty-share ${fmt(spread(series.tty!).median)} MB/s`,
      target: atLeast(vsTty.median, 1.0, "×"),
    });
  } else {
    rows.push(
      skipped(
        SCENARIO,
        `cat ${label}: ours ÷ tty-share (MB/s received)`,
        "×",
        ctx.ttyShare.ok ? "" : ctx.ttyShare.note,
      ),
    );
  }
  return rows;
}
