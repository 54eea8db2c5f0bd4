// governedFetch, governedSpawn, governedWriteFile: one governed call without global patching,
// checked against a governor's guard settings (the process's guards when installed).
import type { ChildProcess, SpawnOptions } from "node:child_process";
import type { WriteFileOptions } from "node:fs";
import { governedSpawn as spawnWith, governedWriteFile as writeWith } from "./guard/explicit.js";
import type { AdmitState } from "./guard/state.js";
import { governedFetch as fetchWith } from "./guard/explicit-http.js";

type WriteData = Parameters<typeof import("node:fs/promises").writeFile>[1];

export interface GovernedCalls {
  /** fetch() that needs an allowed tool call or intentScope (rejects with GovernorGuardError otherwise). */
  governedFetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** child_process.spawn() that needs an allowed tool call or intentScope (throws GovernorGuardError otherwise). */
  governedSpawn(
    command: string,
    args?: readonly string[] | SpawnOptions,
    options?: SpawnOptions,
  ): ChildProcess;
  /** fs.promises.writeFile() that needs an allowed tool call or intentScope (rejects with GovernorGuardError otherwise). */
  governedWriteFile(
    file: string | URL | Buffer,
    data: WriteData,
    options?: WriteFileOptions,
  ): Promise<void>;
}

/** The wrappers, checked against `settings()` (null: governor off, nothing is checked). */
export function governedCalls(settings: () => AdmitState | null): GovernedCalls {
  return {
    governedFetch: (input, init) => fetchWith(input, init, settings()),
    governedSpawn: (command, args, options) => spawnWith(command, args, options, settings()),
    governedWriteFile: (file, data, options) => writeWith(file, data, options, settings()),
  };
}
