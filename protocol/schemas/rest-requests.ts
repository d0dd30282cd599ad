/** Schemas of the REST API's request bodies: sessions, join links, hosts, tenants and keys. */
import * as z from "zod/mini";
import { TENANT_NAME_PATTERN } from "../host-credential.ts";
import { HOST_NAME_PATTERN } from "../host-name.ts";
import { ColsField, CwdField, HostField, RowsField } from "./api-fields.ts";
import { RoleSchema } from "./common.ts";
import { integer, patterned, text } from "./fields.ts";

/** What a tenant's API key may do (tenants:admin belongs to the bootstrap key alone). */
export const SCOPES = [
  "sessions:run", // create sessions, run tool calls, type, end sessions, mint writer links
  "sessions:read", // describe sessions, read their output and input log, mint viewer links
  "hosts:admin", // mint, replace and revoke host credentials; list hosts
  "keys:admin", // create, list and revoke the tenant's keys
] as const;

/** Join token lifetimes a caller may ask for (seconds): a minute to a week. */
export const MIN_JOIN_TTL_SECONDS = 60;
export const MAX_JOIN_TTL_SECONDS = 7 * 24 * 3600;

export const NewSessionRequestSchema = z.strictObject({
  host: z.optional(HostField),
  cwd: z.optional(CwdField),
  cols: z.optional(ColsField),
  rows: z.optional(RowsField),
});
/** Body of `POST /api/sessions`. */
export type NewSessionRequest = z.infer<typeof NewSessionRequestSchema>;

export const JoinGrantRequestSchema = z.strictObject({
  /** The link's role (default "viewer"). */
  role: z.optional(RoleSchema),
  /** Token lifetime in seconds (60 to 604800); the server's default when absent. */
  ttl_seconds: z.optional(integer(MIN_JOIN_TTL_SECONDS, MAX_JOIN_TTL_SECONDS)),
});
/** Body of `POST /api/sessions/{id}/tokens`. */
export type JoinGrantRequest = z.infer<typeof JoinGrantRequestSchema>;

export const RevokeTokenRequestSchema = z.strictObject({
  /** The join token to revoke. */
  token: text(1, 8192),
});
/** Body of `POST /api/sessions/{id}/revoke-token`. */
export type RevokeTokenRequest = z.infer<typeof RevokeTokenRequestSchema>;

export const HostRequestSchema = z.strictObject({
  host: patterned(HOST_NAME_PATTERN, "1-64 letters, digits, '.', '_' or '-'"),
});
/** Body of `POST /api/hosts`: mint (or replace) the host's runner credential. */
export type HostRequest = z.infer<typeof HostRequestSchema>;

export const TenantRequestSchema = z.strictObject({
  tenant: patterned(TENANT_NAME_PATTERN, "1-32 of a-z, 0-9 and '-'"),
});
/** Body of `POST /api/tenants`. */
export type TenantRequest = z.infer<typeof TenantRequestSchema>;

export const NewKeyRequestSchema = z.strictObject({
  /** A name to recognise the key by in listings. */
  name: z.optional(text(0, 100)),
  /** What the key may do: one or more of SCOPES. */
  scopes: z
    .array(z.enum(SCOPES), { error: `expected a list of: ${SCOPES.join(", ")}` })
    .check(z.minLength(1, { error: `expected at least one of: ${SCOPES.join(", ")}` })),
});
/** Body of `POST /api/keys`. */
export type NewKeyRequest = z.infer<typeof NewKeyRequestSchema>;
