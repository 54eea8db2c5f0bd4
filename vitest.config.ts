import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "test/fixtures/**"],
    // nets for a hang, not margins: under load one CLI spawn can take several seconds, and a test
    // may spawn a few in a row
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Most test time is spent waiting on child processes (the CLI, serve, tsc, npm), not on the CPU:
    // two workers on a 2-core machine halve the wall time (vitest's default here would be one).
    maxWorkers: 2,
    globalSetup: ["./test/support/global-setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
