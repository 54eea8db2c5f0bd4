// What every doctor check returns. Checks return data; printing lives in report.ts.
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** One line for a person. */
  message: string;
  /** What to do about it (warn/fail, sometimes skip). */
  fix?: string;
  details?: Record<string, unknown>;
}

export interface DoctorReport {
  ok: boolean;
  checks: CheckResult[];
}

export const pass = (
  id: string,
  message: string,
  details?: Record<string, unknown>,
): CheckResult => ({ id, status: "pass", message, ...(details && { details }) });
export const warn = (
  id: string,
  message: string,
  fix: string,
  details?: Record<string, unknown>,
): CheckResult => ({ id, status: "warn", message, fix, ...(details && { details }) });
export const fail = (
  id: string,
  message: string,
  fix: string,
  details?: Record<string, unknown>,
): CheckResult => ({ id, status: "fail", message, fix, ...(details && { details }) });
export const skip = (id: string, message: string, fix?: string): CheckResult => ({
  id,
  status: "skip",
  message,
  ...(fix && { fix }),
});
