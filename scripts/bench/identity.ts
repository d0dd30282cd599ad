/** Scenario 7, identity: what a tenant key costs over the bootstrap key (its tenant's directory object checks it), and what listing many hosts costs (one call per host object). */
import { now } from "./clock.ts";
import type { BenchStack } from "./bench-edge.ts";
import { rotate, type BenchContext } from "./config.ts";
import { fmt, type Row } from "./results.ts";
import { percentile, ratios, spread } from "./stats.ts";

const SCENARIO = "identity";

/** Times one authenticated GET (ms); anything but 200 fails the run. */
async function timedGet(stack: BenchStack, path: string, key: string): Promise<number> {
  const t0 = now();
  const response = await fetch(stack.url + path, { headers: { Authorization: `Bearer ${key}` } });
  await response.arrayBuffer();
  const ms = now() - t0;
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
  return ms;
}

/** Creates a tenant (with the bootstrap key) and returns its first key. */
async function tenantKey(stack: BenchStack, tenant: string): Promise<string> {
  const created = await stack.api("POST", "/api/tenants", { tenant });
  if (created.status !== 201) throw new Error(`creating tenant ${tenant}: ${created.status}`);
  return created.body.key as string;
}

/** Mints `count` hosts for the tenant owning `key`. */
async function mintHosts(stack: BenchStack, key: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${stack.url}/api/hosts`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ host: `bench-${i}` }),
    });
    await response.arrayBuffer();
    if (response.status !== 201) throw new Error(`minting host ${i}: ${response.status}`);
  }
}

/** Interleaved rounds of each pair; p50 of each and the per-round ratio. */
export async function benchIdentity(ctx: BenchContext): Promise<Row[]> {
  const { config, stack } = ctx;
  const { perRound, manyHosts } = config.identity;
  const suffix = Math.random().toString(36).slice(2, 8);
  const small = await tenantKey(stack, `bench-one-${suffix}`);
  const large = await tenantKey(stack, `bench-many-${suffix}`);
  await mintHosts(stack, small, 1);
  await mintHosts(stack, large, manyHosts);
  const bootstrap = stack.secrets.API_TOKEN;

  type Series = { tenant: number[][]; bootstrap: number[][]; many: number[][]; one: number[][] };
  const series: Series = { tenant: [], bootstrap: [], many: [], one: [] };
  const measure = {
    tenant: () => timedGet(stack, "/api/tools", small),
    bootstrap: () => timedGet(stack, "/api/tools", bootstrap),
    many: () => timedGet(stack, "/api/hosts", large),
    one: () => timedGet(stack, "/api/hosts", small),
  };
  for (const system of Object.keys(measure) as (keyof Series)[]) await measure[system]();
  for (let r = 0; r < config.rounds; r++) {
    for (const pair of [
      ["tenant", "bootstrap"],
      ["many", "one"],
    ] as const) {
      for (const system of rotate([...pair], r)) {
        const samples: number[] = [];
        for (let i = 0; i < perRound; i++) samples.push(await measure[system]());
        series[system].push(samples);
      }
    }
    ctx.log(
      `  identity round ${r}: tenant key p50 ${fmt(percentile(series.tenant[r]!, 50))} ms, bootstrap ${fmt(percentile(series.bootstrap[r]!, 50))} ms; ` +
        `${manyHosts} hosts ${fmt(percentile(series.many[r]!, 50))} ms, 1 host ${fmt(percentile(series.one[r]!, 50))} ms`,
    );
  }
  const p50s = (s: keyof Series) => series[s].map((samples) => percentile(samples, 50));
  const key = spread(ratios(p50s("tenant"), p50s("bootstrap")));
  const list = spread(ratios(p50s("many"), p50s("one")));
  const all = (s: keyof Series) => series[s].flat();
  return [
    {
      scenario: SCENARIO,
      measure: "API call (GET /api/tools) p50: tenant key ÷ bootstrap key",
      value: key.median,
      unit: "×",
      context: `per-round min ${fmt(key.min)}, max ${fmt(key.max)}; tenant key ${fmt(percentile(all("tenant"), 50))} ms, bootstrap ${fmt(percentile(all("bootstrap"), 50))} ms`,
    },
    {
      scenario: SCENARIO,
      measure: `hosts list p50: ${manyHosts} hosts ÷ 1 host`,
      value: list.median,
      unit: "×",
      context: `per-round min ${fmt(list.min)}, max ${fmt(list.max)}; ${manyHosts} hosts ${fmt(percentile(all("many"), 50))} ms, 1 host ${fmt(percentile(all("one"), 50))} ms`,
    },
  ];
}
