/** Vite build of the browser client: the agent console demo (/) and the join page (/join). */
import preact from "@preact/preset-vite";
import { defineConfig, loadEnv } from "vite";

const root = new URL(".", import.meta.url).pathname;

export default defineConfig(({ mode }) => {
  // `vite dev` forwards the API (and its WebSockets) to `wrangler dev`; the build needs neither.
  const env = loadEnv(mode, root, "WEBTERM_");
  return {
    root,
    plugins: [preact()],
    build: {
      outDir: "dist",
      emptyOutDir: true,
      // Everything ships in the bundle: the pages must work with no internet access.
      assetsInlineLimit: 0,
      rolldownOptions: {
        input: { index: `${root}index.html`, join: `${root}join.html` },
      },
    },
    server: {
      proxy: {
        "/api": { target: env.WEBTERM_DEV_SERVER ?? "http://127.0.0.1:8787", ws: true },
      },
    },
  };
});
