// governedSpawn() and governedWriteFile(): a governed child process or file write for code that
// wants one without global patching. With that guard installed they are the hooked functions
// (which check); without it, they check against the state they are given (null: governor off,
// nothing to check), then call Node's own.
import type { ChildProcess, SpawnOptions } from "node:child_process";
import type { WriteFileOptions } from "node:fs";
import { execEffects } from "./exec.js";
import { fsTarget } from "./fs.js";
import { admit, guardState, type AdmitState } from "./state.js";

type WriteData = Parameters<typeof import("node:fs/promises").writeFile>[1];

/** spawn(command, args, options) once the current tool call or intentScope allows `command`; throws
 *  a GovernorGuardError when it does not, and no process starts. */
export function governedSpawn(
  command: string,
  args: readonly string[] | SpawnOptions | undefined,
  options: SpawnOptions | undefined,
  state: AdmitState | null,
): ChildProcess {
  const cp = process.getBuiltinModule("node:child_process");
  const call = () => cp.spawn(command, args as readonly string[], options as SpawnOptions);
  if (!state || guardState()?.primitives.has("exec")) return call();
  for (const e of execEffects("spawn", [command, args, options])) {
    const err = admit(e, state);
    if (err) throw err;
  }
  return call();
}

/** fs.promises.writeFile(path, data, options) once the current tool call or intentScope allows the
 *  path; rejects with a GovernorGuardError when it does not, and nothing is written. */
export function governedWriteFile(
  file: string | URL | Buffer,
  data: WriteData,
  options: WriteFileOptions | undefined,
  state: AdmitState | null,
): Promise<void> {
  const fsp = process.getBuiltinModule("node:fs/promises");
  if (!state || guardState()?.primitives.has("fs")) return fsp.writeFile(file, data, options);
  const target = fsTarget(file);
  const err = target === null ? null : admit({ primitive: "fs", target, op: "writeFile" }, state);
  if (err) return Promise.reject(err);
  return fsp.writeFile(file, data, options);
}
