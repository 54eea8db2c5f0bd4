// What the CLI bundle gets for `import ... from "ts-morph"` (tsup.config.ts aliases it): ts-morph
// loaded with require. An ES import of a CommonJS package makes Node scan its 1 MB file for export
// names before running it, a third of a second on a 2-core machine. The build fails if a module
// imports a value not listed here.
import { createRequire } from "node:module";
import type * as TsMorph from "ts-morph";
import { enableCompileCache } from "./compile-cache.js";

enableCompileCache();
const tsMorph = createRequire(import.meta.url)("ts-morph") as typeof TsMorph;

export const { Node, Project, SyntaxKind, ts } = tsMorph;
