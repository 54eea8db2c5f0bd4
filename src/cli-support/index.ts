export { EXIT } from "./exit.js";
export { CliError, handleError, optionError, usageExit } from "./errors.js";
export { colorEnabled, paint, table, print } from "./output.js";
export { annotation, inGitHubActions } from "./github.js";
export { readKeyFile, resolveKey, visibleKeyWarning, type KeyFlag } from "./secrets.js";
