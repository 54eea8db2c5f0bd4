// The project files init plans edits to besides the sources (env template, intent map, .gitignore):
// read here, with the rest of detection, so the plan computes from facts and never reads the disk.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_FILE } from "../runtime/config-file.js";

/** Env templates projects commonly commit, in the order we prefer them. */
export const ENV_TEMPLATE_NAMES = [
  ".env.example",
  ".env.sample",
  ".env.template",
  ".env.dist",
  "example.env",
  ".env.defaults",
];

const readIfExists = (abs: string): string | null =>
  existsSync(abs) ? readFileSync(abs, "utf8") : null;

export interface PackageFiles {
  /** The env template there is (else `.env.example`, to be created), with its text or null. */
  envTemplate: { name: string; text: string | null };
  /** governor.config.json's text, or null. */
  intentMap: string | null;
}

export function packageFiles(dir: string): PackageFiles {
  const name = ENV_TEMPLATE_NAMES.find((n) => existsSync(join(dir, n))) ?? ".env.example";
  return {
    envTemplate: { name, text: readIfExists(join(dir, name)) },
    intentMap: readIfExists(join(dir, CONFIG_FILE)),
  };
}

/** The run root's .gitignore, or null. */
export const rootGitignore = (root: string): string | null =>
  readIfExists(join(root, ".gitignore"));
