import { FRAMEWORK_IDS } from "../frameworks.js";
import type { Framework, GateOptions, GateResult, SourceInput } from "../codemods/types.js";

// The codemod core init calls (src/codemods/index.ts, owned by the codemod work). Injected so the plan
// can be built and tested on its own.

export type { Framework, GateResult };
export type GateSources = (inputs: SourceInput[], options: GateOptions) => GateResult;

export const FRAMEWORKS: Framework[] = [...FRAMEWORK_IDS];
