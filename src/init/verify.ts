// Re-exported for init/plan.ts and init/apply.ts until they import it from codemods/syntax.js.
export { syntaxError } from "../codemods/syntax.js";
