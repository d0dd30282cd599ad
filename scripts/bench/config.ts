/** Sizes and counts of a benchmark run: the full run, and the quick run that keeps the bench from rotting. */
import type { BenchStack } from "./bench-edge.ts";
import type { TtyShareAvailability } from "./tty-share.ts";

const MiB = 1024 * 1024;

/** Everything a run's scenarios size themselves by. */
export interface BenchConfig {
  quick: boolean;
  /** Measured rounds of each interleaved comparison (A B A B …), after the warm-up rounds. */
  rounds: number;
  warmupRounds: number;
  /** `cat` of a file this big. */
  throughputBytes: number;
  /** Keystrokes: warm-up before the first round, measured per round, and the least gap between sends (ms). */
  echo: { warmup: number; perRound: number; paceMs: number; floodSettleMs: number };
  /** History sizes a late joiner replays. */
  lateJoinBytes: number[];
  /**
   * Keyframes: the history cap of their stack (null: the production default, wrangler.toml's 8
   * MiB), the output each session gets before joiners come (the smallest under the cap, the others
   * over it), read_output calls of each kind per size and round, and the bytes `cat` prints
   * through a runner with keyframes and one without.
   */
  keyframes: {
    historyCapBytes: number | null;
    historyBytes: number[];
    readOutputCalls: number;
    throughputBytes: number;
  };
  /** Viewer counts, the burst each receives, and the count that gets a stalled companion. */
  fanOut: { viewers: number[]; burstBytes: number; stallCompare: number };
  /** Idle shells opened on one runner. */
  manySessions: number;
  /** Tool calls (and `bash -c true` spawns): warm-up before the first round, measured per round. */
  toolCall: { warmup: number; perRound: number };
  /** Authenticated calls measured per round, and the hosts of the large tenant. */
  identity: { perRound: number; manyHosts: number };
}

/** The full run (`npm run bench`). */
export const FULL_CONFIG: BenchConfig = {
  quick: false,
  rounds: 5,
  warmupRounds: 1,
  throughputBytes: 64 * MiB,
  echo: { warmup: 50, perRound: 100, paceMs: 10, floodSettleMs: 500 },
  lateJoinBytes: [1 * MiB, 4 * MiB, 16 * MiB],
  keyframes: {
    historyCapBytes: null,
    historyBytes: [1 * MiB, 16 * MiB, 64 * MiB],
    readOutputCalls: 50,
    throughputBytes: 64 * MiB,
  },
  fanOut: { viewers: [1, 10, 50], burstBytes: 8 * MiB, stallCompare: 50 },
  manySessions: 100,
  toolCall: { warmup: 20, perRound: 100 },
  identity: { perRound: 50, manyHosts: 100 },
};

/** The quick run (`npm run bench -- --quick`): every scenario, tiny sizes, seconds. */
export const QUICK_CONFIG: BenchConfig = {
  quick: true,
  rounds: 2,
  warmupRounds: 1,
  throughputBytes: 1 * MiB,
  echo: { warmup: 5, perRound: 10, paceMs: 10, floodSettleMs: 200 },
  lateJoinBytes: [64 * 1024, 256 * 1024, 1 * MiB],
  // A 128 KiB cap, so that the quick run's small histories are trimmed and joined from keyframes.
  keyframes: {
    historyCapBytes: 128 * 1024,
    historyBytes: [32 * 1024, 512 * 1024, 1 * MiB],
    readOutputCalls: 5,
    throughputBytes: 1 * MiB,
  },
  fanOut: { viewers: [1, 2, 4], burstBytes: 256 * 1024, stallCompare: 4 },
  manySessions: 5,
  toolCall: { warmup: 3, perRound: 10 },
  identity: { perRound: 5, manyHosts: 5 },
};

/** What every scenario gets. */
export interface BenchContext {
  config: BenchConfig;
  /** The stack with production defaults (except MAX_VIEWERS, raised for the stalled viewer). */
  stack: BenchStack;
  /** A deterministic file of printable lines, at least as big as any scenario needs. */
  dataFile: string;
  ttyShare: TtyShareAvailability;
  log(line: string): void;
}

/** The round order for round `r`: rotated so no system always goes first. */
export function rotate<T>(items: readonly T[], r: number): T[] {
  const k = r % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
