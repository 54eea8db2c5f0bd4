// init's options as zod sees them: loaded only when an option is not plainly valid
// (init-options.ts), so that zod (~100 modules) is not loaded on every run.
import { z } from "zod";
import { PACKAGE_MANAGERS } from "../detectors/package-manager.js";
import { FRAMEWORKS } from "../init/codemods.js";

export const initOptionsSchema = z.object({
  cwd: z.string(),
  yes: z.boolean(),
  dryRun: z.boolean(),
  json: z.boolean(),
  install: z.boolean(),
  allowDirty: z.boolean(),
  packageManager: z.enum(PACKAGE_MANAGERS).optional(),
  framework: z.array(z.enum(FRAMEWORKS as [string, ...string[]])).optional(),
  include: z.array(z.string()).optional(),
  exclude: z.array(z.string()).optional(),
  undo: z.boolean(),
  typecheck: z.boolean(),
  debug: z.boolean(),
  allowEdge: z.boolean(),
  governorSpec: z.string().optional(),
});

export type InitActionOptions = z.infer<typeof initOptionsSchema>;
