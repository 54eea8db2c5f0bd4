// @ts-check
// The linter of `npm run lint` (after Prettier, before the layer check): ESLint's and
// typescript-eslint's recommended rules, without type information (the type-checked set takes
// over a minute here, against about 12 s; `tsc --noEmit` already checks the types).
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  // Fixtures and templates stay byte for byte; the rest is built, installed or scratch.
  { ignores: ["dist/", "test/fixtures/**", "templates/**", "node_modules/", "tmp/", "coverage/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A leading underscore marks a parameter a signature needs but the body does not (a fake
      // tool's `_input`), or a property destructured away (`{ cwd: _cwd, ...flags }`).
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Tests build fake framework objects and reach into results of any shape.
    files: ["test/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The adapters patch frameworks' exports, whose shapes vary by version; gate's overloads and
    // the wrappers built on them take any function (`A extends any[]`). Elsewhere in src/, no `any`.
    files: [
      "src/runtime/adapters/**",
      "src/runtime/gate.ts",
      "src/runtime/govern.ts",
      "src/runtime/default.ts",
      "src/runtime/instrument.ts",
    ],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The guards wrap Node's own functions whatever their signature: `Function` is the honest type.
    files: ["src/runtime/guard/**", "test/runtime/guard-*.test.ts"],
    rules: { "@typescript-eslint/no-unsafe-function-type": "off" },
  },
  {
    // fetch's wrapper hands the caller's arguments on as given (their count included), without
    // copying them on the hot path.
    files: ["src/runtime/guard/http.ts"],
    rules: { "prefer-rest-params": "off" },
  },
  {
    // Matching control characters is the point: input sanitising (C0 controls, invisibles), JSON
    // and TOML escaping, and tests that strip ANSI colour codes.
    files: ["src/runtime/intent.ts", "src/runtime/token.ts", "src/mcp/toml.ts", "test/**"],
    rules: { "no-control-regex": "off" },
  },
  {
    // Type tests: a value used only in `typeof`, and an expression under @ts-expect-error, are the
    // assertions themselves.
    files: ["**/*.test-d.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": "off",
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
);
