// governor.probes.json: intents or tool calls with the decision each should get.
//   { "probes": [ { "name": "reads pass", "intent": { "action": "read", ... }, "expect": "allow" },
//                 { "tool": "refund_payment", "args": { "amount": 5 }, "expect": "deny", "deny_code": "stepup_required" } ] }
import { isObject } from "../runtime/shared.js";
import { readFileSync } from "node:fs";

export interface Probe {
  name: string;
  intent?: Record<string, unknown>;
  tool?: string;
  args?: unknown;
  expect: "ALLOW" | "DENY";
  denyCode?: string;
}

/** Parses and validates a probes file; throws an Error whose message names the file and the probe. */
export function loadProbes(file: string): Probe[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === "ENOENT"
        ? `${file} does not exist`
        : code
          ? `${file} cannot be read (${code})`
          : `${file} is not valid JSON: ${(err as Error).message}`,
    );
  }
  const list = Array.isArray(doc) ? doc : isObject(doc) ? doc.probes : undefined;
  if (!Array.isArray(list) || list.length === 0)
    throw new Error(
      `${file}: expected { "probes": [ { "intent" | "tool", "expect": "allow" | "deny" }, ... ] }`,
    );
  return list.map((p, i): Probe => {
    const where = `${file}: probes[${i}]${isObject(p) && typeof p.name === "string" ? ` ("${p.name}")` : ""}`;
    if (!isObject(p)) throw new Error(`${where}: expected an object`);
    const expect = typeof p.expect === "string" ? p.expect.toUpperCase() : undefined;
    if (expect !== "ALLOW" && expect !== "DENY")
      throw new Error(`${where}: expect must be "allow" or "deny"`);
    if ((p.intent === undefined) === (p.tool === undefined))
      throw new Error(
        `${where}: give exactly one of "intent" (an intent object) or "tool" (a tool name, with optional "args")`,
      );
    if (p.intent !== undefined && !isObject(p.intent))
      throw new Error(
        `${where}: intent must be an object like { "action": "read", "actor": {...}, "resource": {...} }`,
      );
    if (p.tool !== undefined && (typeof p.tool !== "string" || !p.tool))
      throw new Error(`${where}: tool must be a tool name`);
    if (p.deny_code !== undefined && typeof p.deny_code !== "string")
      throw new Error(`${where}: deny_code must be a string`);
    // Read only when there is no tool, so the intent is an object (checked above).
    const intent = p.intent as { action?: unknown; resource?: { type?: unknown } };
    const name =
      typeof p.name === "string"
        ? p.name
        : p.tool
          ? `tool ${p.tool}`
          : `${String(intent.action)} ${String(intent.resource?.type ?? "")}`.trim();
    return {
      name,
      intent: p.intent as Record<string, unknown> | undefined,
      tool: p.tool as string | undefined,
      args: p.args,
      expect,
      denyCode: p.deny_code as string | undefined,
    };
  });
}
