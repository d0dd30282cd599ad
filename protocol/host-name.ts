/** Runner host names: the rule the edge enforces on `/api/runners/{host}/connect`, shared so a runner can refuse a bad name before it connects. */

/** 1–64 letters, digits, ".", "_" or "-": safe in URLs, logs and Durable Object tags. */
export const HOST_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Whether `host` is an acceptable runner host name. */
export function isValidHostName(host: string): boolean {
  return HOST_NAME_PATTERN.test(host);
}
