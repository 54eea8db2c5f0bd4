import { fileURLToPath } from "node:url";
import { defineConfig } from "tsup";

// The runtime and register entries ship into users' apps (ESM + CJS + types);
// the CLI is ESM only and never imported by the runtime.
const shipped = {
  dts: !process.env.GOVERNOR_FAST_BUILD,
  target: "node20",
  platform: "node",
  splitting: false,
  sourcemap: false,
  clean: false,
  outDir: "dist",
} as const;

// The CLI imports ts-morph through src/cli-support/ts-morph-require.ts, which loads it with require.
const tsMorphByRequire = {
  name: "ts-morph-by-require",
  setup(build: { onResolve: (o: { filter: RegExp }, f: () => { path: string }) => void }) {
    build.onResolve({ filter: /^ts-morph$/ }, () => ({
      path: fileURLToPath(new URL("./src/cli-support/ts-morph-require.ts", import.meta.url)),
    }));
  },
};

export default defineConfig([
  { ...shipped, entry: { "runtime/index": "src/runtime/index.ts" }, format: ["esm", "cjs"] },
  // governor/register: the ESM build (top-level await) and the CJS build come from two sources.
  { ...shipped, entry: { register: "src/register-esm.ts" }, format: ["esm"] },
  // The ES module loader register() starts (a file of its own: it runs in the loader thread).
  { ...shipped, entry: { "register-hooks": "src/register/hooks.ts" }, format: ["esm"], dts: false },
  { ...shipped, entry: { register: "src/register.ts" }, format: ["cjs"] },
  {
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    // not external: the plugin below hands every import of it the require-loading module instead
    noExternal: ["ts-morph"],
    esbuildPlugins: [tsMorphByRequire],
    target: "node20",
    platform: "node",
    splitting: true,
    clean: false,
    outDir: "dist",
  },
]);
