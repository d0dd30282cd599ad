/** One wrangler, one miniflare, one workerd: the tests run on the same runtime as `npm start` and deploy. */
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

const lock = JSON.parse(
  readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8"),
) as {
  packages: Record<string, { version?: string }>;
};

/** Every version of `name` the lockfile installs, anywhere in the tree. */
function versionsOf(name: string): string[] {
  const found = new Set<string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`)) {
      found.add(entry.version ?? "?");
    }
  }
  return [...found];
}

it.each(["wrangler", "miniflare", "workerd"])("the lockfile installs one %s version", (name) => {
  expect(versionsOf(name)).toHaveLength(1);
});

it("the vitest plugin's wrangler is the one package.json pins for dev and deploy", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  expect(versionsOf("wrangler")).toEqual([pkg.devDependencies.wrangler]);
});
