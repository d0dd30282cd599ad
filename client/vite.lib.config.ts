/**
 * Vite library build of the client (`@edge-web-terminal/client`, `npm run build -w client`):
 * ESM in lib/index.js, every style (xterm's included) in lib/style.css, declarations in
 * lib/types. Dependencies and peer dependencies stay imports; everything else (the client's
 * own modules, protocol/) is bundled. The pages' build is vite.config.ts.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";

const root = new URL(".", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const packages = [
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.peerDependencies ?? {}),
];

/** A package's module (`preact/hooks` included) stays an import; its CSS goes into style.css. */
function isExternal(id: string): boolean {
  if (id.endsWith(".css")) return false;
  return packages.some((name) => id === name || id.startsWith(`${name}/`));
}

/**
 * Declarations by tsc (client/tsconfig.lib.json; rootDir is the repository, so protocol/ keeps
 * its place next to client/src). tsc writes relative imports as the sources spell them
 * (`./x.ts`) and keeps CSS side-effect imports; both would not resolve in the package, so
 * imports are rewritten to `./x.js` (the .d.ts next to it) and CSS imports dropped.
 */
function declarations(): Plugin {
  return {
    name: "webterm:declarations",
    apply: "build",
    writeBundle() {
      const typescript = dirname(createRequire(import.meta.url).resolve("typescript/package.json"));
      execFileSync(
        process.execPath,
        [join(typescript, "bin/tsc"), "-p", join(root, "tsconfig.lib.json")],
        { stdio: "inherit" },
      );
      for (const file of declarationFiles(join(root, "lib/types"))) {
        const text = readFileSync(file, "utf8");
        const fixed = text
          .replace(/^import\s+["'][^"']+\.css["'];\r?\n/gm, "")
          .replace(/(\bfrom\s+|\bimport\s*\(\s*)(["'])(\.{1,2}\/[^"']*?)\.tsx?\2/g, "$1$2$3.js$2");
        if (fixed !== text) writeFileSync(file, fixed);
      }
    },
  };
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".d.ts"))
    .map((name) => join(dir, name));
}

export default defineConfig({
  root,
  plugins: [preact(), declarations()],
  build: {
    outDir: "lib",
    emptyOutDir: true,
    copyPublicDir: false,
    // Readable output; the app that bundles it minifies.
    minify: false,
    lib: {
      entry: join(root, "src/index.ts"),
      formats: ["es"],
      fileName: "index",
      cssFileName: "style",
    },
    rolldownOptions: { external: isExternal },
  },
});
