// Doctor's report for people (aligned lines, a fix under each problem) and for CI (GitHub annotations).
import { annotation, paint, table } from "../cli-support/index.js";
import type { CheckStatus, DoctorReport } from "./types.js";

const MARK: Record<CheckStatus, string> = { pass: "✓", warn: "!", fail: "✗", skip: "-" };

export function renderText(report: DoctorReport, strict: boolean): string {
  const c = paint(process.stdout);
  const color = { pass: c.green, warn: c.yellow, fail: c.red, skip: c.dim } as const;
  const lines: string[] = ["governor doctor", ""];
  // One column for every check's name, however long the longest (frameworks.versions) is.
  const width = Math.max(18, ...report.checks.map((k) => k.id.length));
  for (const k of report.checks) {
    lines.push(
      table([[color[k.status](`${MARK[k.status]} ${k.status}`), k.id.padEnd(width), k.message]]),
    );
    if (k.fix && k.status !== "pass" && k.status !== "skip")
      lines.push(`            ${c.dim("fix:")} ${k.fix}`);
  }
  const count = (s: CheckStatus) => report.checks.filter((k) => k.status === s).length;
  lines.push(
    "",
    `${report.ok ? c.green("ok") : c.red("not ok")}: ${count("pass")} passed, ${count("warn")} warning(s), ${count("fail")} failed, ${count("skip")} skipped` +
      (strict && count("warn") ? " (--strict: warnings fail)" : ""),
  );
  return lines.join("\n");
}

export function renderAnnotations(report: DoctorReport, strict: boolean): string[] {
  return report.checks
    .filter((k) => k.status === "fail" || k.status === "warn")
    .map((k) =>
      annotation(
        k.status === "fail" || strict ? "error" : "warning",
        `governor doctor: ${k.id}`,
        k.fix ? `${k.message}. Fix: ${k.fix}` : k.message,
      ),
    );
}
