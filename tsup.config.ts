import { defineConfig } from "tsup";

// The runtime and register entries ship into users' apps (ESM + CJS + types);
// the CLI is ESM only and never imported by the runtime.
export default defineConfig([
  {
    entry: { "runtime/index": "src/runtime/index.ts", register: "src/register.ts" },
    format: ["esm", "cjs"],
    dts: !process.env.GOVERNOR_FAST_BUILD,
    target: "node20",
    platform: "node",
    splitting: false,
    sourcemap: false,
    clean: false,
    outDir: "dist",
    // register's CJS build never reads import.meta (it checks __filename first).
    esbuildOptions(options) {
      options.logOverride = { ...options.logOverride, "empty-import-meta": "silent" };
    },
  },
  {
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    target: "node20",
    platform: "node",
    splitting: true,
    clean: false,
    outDir: "dist",
  },
]);
