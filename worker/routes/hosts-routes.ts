/** REST routes for hosts: mint (or replace) a host's runner credential, revoke it, list hosts with their runner's state. */
import { Hono } from "hono";
import { HostRequestSchema, isValidHostName } from "../../protocol/index.ts";
import { requireScope, type ApiEnv } from "../auth/bearer.ts";
import { ApiError } from "../http/errors.ts";
import { readJsonBody } from "../http/read-json.ts";
import { tenantDirectory, hostHub, listHosts } from "../sessions/session-service.ts";

/** Mounted at /api. Every route needs a key with hosts:admin; hosts are the caller's tenant's. */
export const hostsRoutes = new Hono<ApiEnv>();

hostsRoutes.use("/hosts", requireScope("hosts:admin"));
hostsRoutes.use("/hosts/:host", requireScope("hosts:admin"));

/** Every host: its credential's fingerprint (never the credential) and its runner's state. */
hostsRoutes.get("/hosts", async (c) =>
  c.json({ hosts: await listHosts(c.env, c.get("caller").tenant) }),
);

hostsRoutes.get("/hosts/:host", async (c) => {
  const host = checkedHost(c.req.param("host"));
  const status = await hostHub(c.env, c.get("caller").tenant, host).status();
  if (!status) throw new ApiError(404, "host_not_found", `no host named "${host}"`);
  return c.json(status);
});

/**
 * `{host}`: mints the host's runner credential and returns it, this once (the edge keeps only
 * its hash). For a host that has one, this replaces it: the runner using the old one is cut off.
 */
hostsRoutes.post("/hosts", async (c) => {
  const { host } = await readJsonBody(c.req.raw, HostRequestSchema);
  const { tenant } = c.get("caller");
  const minted = await hostHub(c.env, tenant, host).mintCredential(tenant, host);
  await tenantDirectory(c.env, tenant).add(host);
  return c.json(
    {
      host,
      credential: minted.credential,
      fingerprint: minted.fingerprint,
      created_at: minted.createdAt,
      replaced: minted.rotated,
      note: "Shown once: give it to the runner as RUNNER_TOKEN. The edge keeps only its hash.",
    },
    minted.rotated ? 200 : 201,
  );
});

/** Revokes the host's credential: its runner is closed, its sessions' runner goes offline. */
hostsRoutes.delete("/hosts/:host", async (c) => {
  const host = checkedHost(c.req.param("host"));
  const { tenant } = c.get("caller");
  const revoked = await hostHub(c.env, tenant, host).revokeCredential();
  await tenantDirectory(c.env, tenant).remove(host);
  if (!revoked) throw new ApiError(404, "host_not_found", `host "${host}" has no credential`);
  return c.json({ host, revoked: true });
});

function checkedHost(host: string): string {
  if (!isValidHostName(host)) {
    throw new ApiError(
      400,
      "invalid_request",
      "host must be 1-64 characters of letters, digits, '.', '_' or '-'",
    );
  }
  return host;
}
