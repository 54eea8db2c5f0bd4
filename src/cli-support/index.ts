export { EXIT } from "./exit.js";
export {
  asCliError,
  CliError,
  debugOn,
  errorJson,
  errorText,
  handleError,
  optionError,
  usageExit,
} from "./errors.js";
export type { ExitCode } from "./exit.js";
export { colorEnabled, paint, table, print } from "./output.js";
export { annotation, inGitHubActions } from "./github.js";
export { readKeyFile, resolveKey, visibleKeyWarning, type KeyFlag } from "./secrets.js";
