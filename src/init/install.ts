import type { PackageManager } from "../detectors/package-manager.js";
import { CliError } from "../cli-support/errors.js";

// Installs the dependency init added to package.json, with the project's own package manager.

export interface InstallStep {
  command: PackageManager;
  args: string[];
  /** Absolute directory to run in: the workspace root or lockfile directory, so one install covers all. */
  cwd: string;
}

export function installStep(pm: PackageManager, cwd: string): InstallStep {
  // init has already written the dependency into package.json, so a plain install resolves it and
  // updates the lockfile the way the user's own `install` would
  return { command: pm, args: ["install"], cwd };
}

export function displayCommand(step: InstallStep): string {
  return [step.command, ...step.args].join(" ");
}

export async function runInstall(step: InstallStep): Promise<void> {
  const { execa } = await import("execa"); // loaded when a child process runs
  const result = await execa(step.command, step.args, {
    cwd: step.cwd,
    reject: false,
    all: true,
    stdin: "ignore",
    env: { ...process.env, npm_config_yes: "true", CI: process.env.CI ?? "" },
  });
  if (result.failed) {
    const tail = (result.all ?? "").split(/\r?\n/).filter(Boolean).slice(-8).join("\n  ");
    const why =
      result.code === "ENOENT"
        ? `${step.command} is not installed or not on PATH`
        : `exit code ${result.exitCode}`;
    throw new CliError(
      "install_failed",
      `\`${displayCommand(step)}\` failed in ${step.cwd} (${why}).${tail ? `\n  ${tail}` : ""}\n` +
        "Your source changes are in place; only the install did not happen.",
      `Run \`${displayCommand(step)}\` yourself, or \`governor init --undo\` to restore every file.`,
    );
  }
}
