// Validates an enforce/canonicalize request body and reports problems in FastAPI's 422 shape,
// so clients see exactly what the management plane would send back.
import { isObject } from "../runtime/shared.js";

export interface IntentBody {
  action: string;
  actor: { id?: string; type?: string; [k: string]: unknown };
  resource: { type: string; name?: string; [k: string]: unknown };
  data?: {
    sensitivity?: string[];
    pii?: boolean;
    volume?: "single" | "bulk";
    [k: string]: unknown;
  };
  risk?: { authn?: string; [k: string]: unknown };
  layer?: string;
  [k: string]: unknown;
}

export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
}

// Own fields only: a body's missing `action` must not be found on Object.prototype.
const field = (obj: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(obj, key) ? obj[key] : undefined;

const OBJECT_MSG = "Input should be a valid dictionary or object to extract fields from";

function requireString(
  issues: ValidationIssue[],
  obj: Record<string, unknown>,
  key: string,
  loc: (string | number)[],
  required: boolean,
) {
  const v = field(obj, key);
  if (v === undefined || v === null) {
    if (required) issues.push({ type: "missing", loc: [...loc, key], msg: "Field required" });
  } else if (typeof v !== "string") {
    issues.push({ type: "string_type", loc: [...loc, key], msg: "Input should be a valid string" });
  } else if (required && v.trim() === "") {
    issues.push({
      type: "string_too_short",
      loc: [...loc, key],
      msg: "String should have at least 1 character",
    });
  }
}

function requireObject(
  issues: ValidationIssue[],
  body: Record<string, unknown>,
  key: string,
  required: boolean,
): Record<string, unknown> | undefined {
  const v = field(body, key);
  if (v === undefined || v === null) {
    if (required) issues.push({ type: "missing", loc: ["body", key], msg: "Field required" });
    return undefined;
  }
  if (!isObject(v)) {
    issues.push({ type: "model_attributes_type", loc: ["body", key], msg: OBJECT_MSG });
    return undefined;
  }
  return v;
}

/** Returns the issues (empty when the body is a valid intent). */
export function validateIntentBody(body: unknown): ValidationIssue[] {
  if (!isObject(body)) return [{ type: "model_attributes_type", loc: ["body"], msg: OBJECT_MSG }];
  const issues: ValidationIssue[] = [];
  requireString(issues, body, "action", ["body"], true);
  const actor = requireObject(issues, body, "actor", true);
  if (actor) {
    requireString(issues, actor, "id", ["body", "actor"], false);
    requireString(issues, actor, "type", ["body", "actor"], false);
  }
  const resource = requireObject(issues, body, "resource", true);
  if (resource) {
    requireString(issues, resource, "type", ["body", "resource"], true);
    requireString(issues, resource, "name", ["body", "resource"], false);
  }
  const data = requireObject(issues, body, "data", false);
  if (data) {
    const s = data.sensitivity;
    if (s !== undefined && s !== null) {
      if (!Array.isArray(s))
        issues.push({
          type: "list_type",
          loc: ["body", "data", "sensitivity"],
          msg: "Input should be a valid list",
        });
      else
        s.forEach((x, i) => {
          if (typeof x !== "string")
            issues.push({
              type: "string_type",
              loc: ["body", "data", "sensitivity", i],
              msg: "Input should be a valid string",
            });
        });
    }
    if (data.pii !== undefined && data.pii !== null && typeof data.pii !== "boolean")
      issues.push({
        type: "bool_type",
        loc: ["body", "data", "pii"],
        msg: "Input should be a valid boolean",
      });
    if (
      data.volume !== undefined &&
      data.volume !== null &&
      data.volume !== "single" &&
      data.volume !== "bulk"
    )
      issues.push({
        type: "literal_error",
        loc: ["body", "data", "volume"],
        msg: "Input should be 'single' or 'bulk'",
      });
  }
  const risk = requireObject(issues, body, "risk", false);
  if (risk) requireString(issues, risk, "authn", ["body", "risk"], false);
  requireString(issues, body, "layer", ["body"], false);
  return issues;
}

/** FastAPI's answer to a body that is not JSON at all. */
export function jsonInvalid(err: unknown): ValidationIssue[] {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : "");
  return [{ type: "json_invalid", loc: ["body", m ? Number(m[1]) : 0], msg: "JSON decode error" }];
}

/** The deepest nesting a body may have; an intent needs about 3. */
export const MAX_DEPTH = 64;

/**
 * Is the JSON text nested deeper than `max` objects or arrays? Counted on the raw text, before parsing,
 * because every step after the parse (hashing the body to sign an ALLOW) recurses and would overflow the
 * stack. Brackets inside strings do not count; text that is not JSON is left for JSON.parse to refuse.
 */
export function nestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: a backslash escapes the next character, whatever it is.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
