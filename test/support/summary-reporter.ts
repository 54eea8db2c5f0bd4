import type { Reporter, TestCase } from "vitest/node";

// Ends the run with one plain "N passed, N failed" line, which CI reads whatever the runner.
export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;

  onTestCaseResult(testCase: TestCase): void {
    const state = testCase.result().state;
    if (state === "passed") this.passed++;
    else if (state === "failed") this.failed++;
    else this.skipped++;
  }

  onTestRunEnd(): void {
    const skipped = this.skipped ? `, ${this.skipped} skipped` : "";
    process.stdout.write(`\ntests: ${this.passed} passed, ${this.failed} failed${skipped}\n`);
  }
}
