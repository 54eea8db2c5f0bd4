// The one mapping from a tool call to an intent: tool name + arguments + intent map -> the body sent
// to enforce. Argument values are only inspected (pii, volume); they are never copied into the intent.
import { isObject } from "./shared.js";
import { readFileSync } from "node:fs";
import { GovernorConfigError } from "./errors.js";
import { denyProblems } from "./deny.js";

/** Who acts: a user served by the agent (withActor), or the agent itself. */
export interface Actor {
  id: string;
  type: string;
}

export interface IntentResource {
  type: string;
  name?: string;
  /** What a guard lets this call's side effects reach (sent to enforce too): hosts, file path
   *  prefixes, commands. See docs/runtime.md, "Narrowing". */
  hosts?: string[];
  paths?: string[];
  commands?: string[];
}

/** The resource fields that narrow a call's side effects while a guard is on. */
export const NARROWING = ["hosts", "paths", "commands"] as const;

/** A narrowing field's value is valid: absent, or a list of non-empty strings. */
export function validNarrowing(v: unknown): boolean {
  return (
    v === undefined || (Array.isArray(v) && v.every((x) => typeof x === "string" && x.length > 0))
  );
}

export interface IntentData {
  sensitivity?: string[];
  pii?: boolean;
  volume?: "single" | "bulk";
  [key: string]: unknown;
}

/** What is sent to enforce for one tool call. Never holds argument values. */
export interface Intent {
  action: string;
  actor: Actor;
  resource: IntentResource;
  data?: IntentData;
  risk?: Record<string, unknown>;
  layer?: string;
}

/** What an intent map may say about one tool. `resource` may be a string (= its type). */
export interface IntentMapEntry {
  action?: string;
  resource?: IntentResource | string;
  data?: IntentData;
  risk?: Record<string, unknown>;
  layer?: string;
}

export interface IntentMap {
  defaults?: IntentMapEntry & { actor?: Actor };
  tools?: Record<string, IntentMapEntry>;
  /** Tool name patterns refused locally, before enforce is asked (`*` matches any characters). */
  deny?: readonly string[];
}

/** A partial intent, as given to `gate(..., { intent })` or `withIntent()`. */
export type IntentOverride = Partial<Omit<Intent, "resource" | "actor">> & {
  resource?: Partial<IntentResource> | string;
  actor?: Partial<Actor>;
};

export interface BuildIntentOptions {
  map?: IntentMap | null;
  actor?: Actor | null;
  override?: IntentOverride | null;
}

const DEFAULT_ACTOR: Actor = { id: "anonymous", type: "agent" };

// no prototype: a tool named "constructor" or "toString" is a word, not Object's method
const VERBS: Record<string, string> = Object.create(null);
for (const [action, words] of Object.entries({
  read: "get list search read query fetch find lookup retrieve view show describe count browse load download check inspect",
  write:
    "create add update write save set put insert upsert edit modify patch upload append rename move copy make register",
  delete: "delete remove drop destroy erase purge unlink revoke",
  send: "send post email notify message reply publish share forward sms tweet mail",
  execute: "run exec execute invoke call eval evaluate spawn deploy trigger launch start",
})) {
  for (const w of words.split(" ")) VERBS[w] = action;
}

/** Split `sendEmail`, `send_email`, `send-email`, `mcp.send email` into lower-case words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** What `governor init` writes for a tool without an entry: action from the verb, resource from the rest. */
export function inferIntentEntry(
  toolName: string,
): IntentMapEntry & { action: string; resource: IntentResource } {
  const parts = words(toolName);
  let action: string | undefined;
  let rest = parts;
  const at = parts.findIndex((w) => VERBS[w] !== undefined);
  if (at !== -1) {
    action = VERBS[parts[at]];
    rest = parts.slice(0, at).concat(parts.slice(at + 1));
  } else if (parts.length > 1) {
    // An unknown leading verb ("refund_payment") is still the best guess; the server canonicalizes it.
    action = parts[0];
    rest = parts.slice(1);
  } else {
    action = "execute";
  }
  const type = rest.length ? rest.join("_") : parts.join("_") || "tool";
  return { action, resource: { type, name: toolName } };
}

// buildIntent runs per tool call; the name-derived part never changes for a name, so it is computed
// once (bounded: tool names are few, but buildIntent is public and may see many).
const inferredByName = new Map<string, { action: string; resource: IntentResource }>();
function inferredFor(toolName: string): { action: string; resource: IntentResource } {
  let e = inferredByName.get(toolName);
  if (e === undefined) {
    if (inferredByName.size >= 1000) inferredByName.clear();
    const { action, resource } = inferIntentEntry(toolName);
    e = Object.freeze({ action, resource: Object.freeze(resource) });
    inferredByName.set(toolName, e);
  }
  return e;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.\p{L}{2,}$/u;
const EMAIL_IN_TEXT =
  /[^\s@<>()"',;:]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63})*\.\p{L}{2,}/u;
const PHONE = /(?:^|[^\d])(\+?\d[\d ().-]{7,18}\d)(?:[^\d]|$)/;
const SSN = /(?:^|[^\d])\d{3}-\d{2}-\d{4}(?:[^\d]|$)/;
const IBAN = /\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b/;
const CARD_CANDIDATE = /(?:\d[ -]?){12,18}\d/g;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// Look-alikes that would dodge the patterns are folded first: NFKC (fullwidth ＠ and digits,
// ligatures), then invisible format characters and combining marks dropped, every dash read as
// "-", the ideographic full stop as ".", and other scripts' decimal digits as ASCII ones.
const NON_ASCII = /[^\x00-\x7f]/;
// Control characters other than tab and line breaks are invisible too; ASCII written as %40, &#64;
// or &#x40; is read as the character (up to three times, for escapes of escapes).
const INVISIBLE = /[\p{Cf}\p{M}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/gu;
const HIDING_ASCII = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f%&]/;
const ESCAPED = /%([0-7][0-9a-f])|&#(?:x0*([0-7][0-9a-f]?)|0*(\d{1,3}));/gi;
const unescapeOne = (m: string, pct?: string, hex?: string, dec?: string): string => {
  const cp = parseInt(pct ?? hex ?? dec!, pct || hex ? 16 : 10);
  return cp < 0x80 ? String.fromCharCode(cp) : m;
};
/** Invisible characters dropped and ASCII escapes read, in either order ("%\u200b40", "%00"). */
function unhide(s: string): string {
  let t = s.replace(INVISIBLE, "");
  for (let i = 0; i < 3; i++) {
    const u = t.replace(ESCAPED, unescapeOne);
    if (u === t) break;
    t = u.replace(INVISIBLE, "");
  }
  return t;
}
const DASH = /[\p{Pd}\u2212]/gu;
const IDEOGRAPHIC_STOP = /\u3002/g;
const DIGIT = /\p{Nd}/gu;
const ONE_DIGIT = /^\p{Nd}$/u;

function asciiDigit(d: string): string {
  const cp = d.codePointAt(0)!;
  if (cp < 0x80) return d;
  // Unicode assigns decimal digits in runs of ten, 0 to 9: the value is the offset within its run.
  let zero = cp;
  while (zero > cp - 60 && ONE_DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
  return String((cp - zero) % 10);
}

/** The text the patterns are matched against: plain ASCII text as is, anything else folded. */
function foldLookalikes(s: string): string {
  // Byte length equals length only for ASCII: much faster than a regex over the text.
  if (Buffer.byteLength(s, "utf8") === s.length) return HIDING_ASCII.test(s) ? unhide(s) : s;
  const t = unhide(s.normalize("NFKC")).replace(DASH, "-").replace(IDEOGRAPHIC_STOP, ".");
  return NON_ASCII.test(t) ? t.replace(DIGIT, asciiDigit) : t;
}

// Scanning limits. What is left unscanned might hold personal data, so a cut-short scan reports pii:
// otherwise a model could hide an email behind 10 kB of padding, many values, or deep nesting.
const CHUNK = 10_000;
const OVERLAP = 400; // longer than any email, phone, card or IBAN, so none is split unseen
const MAX_TEXT = 1_000_000; // characters (and bytes of buffers) scanned over all arguments
const MAX_NODES = 10_000; // strings, buffers, arrays and objects visited
const MAX_VALUES = 1_000_000; // every value, item and entry visited, numbers and holes included
const MAX_DEPTH = 16;

function chunkLooksLikePii(s: string): boolean {
  if (s.length < 7) return false;
  if (s.includes("@") && (EMAIL.test(s) || EMAIL_IN_TEXT.test(s))) return true;
  if (SSN.test(s) || IBAN.test(s)) return true;
  const cards = s.match(CARD_CANDIDATE);
  if (cards) {
    for (const c of cards) {
      const digits = c.replace(/[ -]/g, "");
      if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return true;
    }
  }
  const phone = PHONE.exec(s);
  if (phone) {
    const digits = phone[1].replace(/\D/g, "");
    // Dates and plain amounts have few separators; a phone number has 9-15 digits.
    if (
      digits.length >= 9 &&
      digits.length <= 15 &&
      (/[+ ().-]/.test(phone[1]) || digits.length >= 10)
    )
      return true;
  }
  return false;
}

/** Does this string look like personal data (email, phone, card, national id / IBAN)? Look-alike
 *  characters are folded first (fullwidth, invisible, other scripts' digits). Long text is scanned
 *  in overlapping chunks; text over 1,000,000 characters counts as personal data. */
export function looksLikePii(text: string): boolean {
  if (text.length > MAX_TEXT) return true;
  const s = foldLookalikes(text);
  if (s.length <= CHUNK) return chunkLooksLikePii(s);
  if (s.length > MAX_TEXT) return true;
  for (let at = 0; at < s.length; at += CHUNK - OVERLAP) {
    if (chunkLooksLikePii(s.slice(at, at + CHUNK))) return true;
    if (at + CHUNK >= s.length) break;
  }
  return false;
}

// Numbers are amounts, ids and timestamps far more often than personal data: only a card number
// (14-19 digits passing Luhn; 13 digits is a millisecond timestamp more often than an old Visa).
function numberLooksLikePii(n: number | bigint): boolean {
  let digits: string;
  if (typeof n === "bigint") digits = (n < 0 ? -n : n).toString();
  else {
    const a = Math.abs(n);
    if (!Number.isInteger(a) || a < 1e13 || a >= 1e21) return false; // 1e21 and up print as 1e+21
    digits = String(a);
  }
  return digits.length >= 14 && digits.length <= 19 && luhn(digits);
}

// A field named for an identifier holds one whatever its format: `{ ssn: 123456789 }`.
const ID_FIELD =
  /^(ssn|socialsecurity(number|no)?|nationalid(number|no)?|taxid(number|no)?|passport(number|no)?|(credit)?card(number|no)|creditcard|ccnumber|iban|driverslicen[cs]e(number|no)?)$/;
const SIX_DIGITS = /(?:\d\D*){6}/;
const idFields = new Map<string, boolean>(); // field names repeat call after call
function isIdField(field: string): boolean {
  let is = idFields.get(field);
  if (is === undefined) {
    is = field.length <= 40 && ID_FIELD.test(field.toLowerCase().replace(/[^a-z]/g, ""));
    if (idFields.size >= 1000) idFields.clear();
    idFields.set(field, is);
  }
  return is;
}
function idFieldHolds(field: string | undefined, v: string | number | bigint): boolean {
  if (field === undefined || !isIdField(field)) return false;
  return SIX_DIGITS.test(typeof v === "string" ? foldLookalikes(v) : v.toString());
}

function isPlain(proto: object | null): boolean {
  // Object.prototype of any realm (its own prototype is null), or no prototype at all.
  return proto === null || Object.getPrototypeOf(proto) === null;
}

// Objects that carry data though they are not plain: scanned, and never framework context.
const DATA_TAGS = new Set([
  "[object Map]",
  "[object Set]",
  "[object Date]",
  "[object RegExp]",
  "[object String]",
  "[object Number]",
  "[object Boolean]",
  "[object URL]",
  "[object URLSearchParams]",
  "[object ArrayBuffer]",
  "[object SharedArrayBuffer]",
]);

/** Something no model can produce: a function, or an object that is not plain data (a class
 *  instance such as an AbortSignal, a RunContext or a CallbackManager). */
function isOpaque(v: unknown): boolean {
  if (typeof v === "function" || typeof v === "symbol") return true;
  if (v === null || typeof v !== "object" || Array.isArray(v) || !isClassInstance(v)) return false;
  return !ArrayBuffer.isView(v) && !DATA_TAGS.has(Object.prototype.toString.call(v));
}

/** A class's prototype holds a constructor function of its own. A prototype that came from parsed
 *  JSON (Object.assign of a `"__proto__"` key runs the setter) never does: that object is data. */
function isClassInstance(v: object): boolean {
  let p = Object.getPrototypeOf(v) as object | null;
  for (let i = 0; i < 8 && p !== null && !isPlain(p); i++, p = Object.getPrototypeOf(p)) {
    if (typeof Object.getOwnPropertyDescriptor(p, "constructor")?.value === "function") return true;
  }
  return false;
}

function isPlainContainer(v: unknown): v is object {
  return (
    v !== null && typeof v === "object" && (Array.isArray(v) || isPlain(Object.getPrototypeOf(v)))
  );
}

/** A framework's context argument (AI SDK options with an abortSignal, LangChain's config with its
 *  callbacks, OpenAI Agents' RunContext, MCP's request extra): it is, or holds within three levels,
 *  a value no model can produce. Plain JSON never does, whatever its keys. Breadth first and
 *  bounded, so an AbortSignal beside a long message list is found; past the bound it is data. */
function isFrameworkContext(a: unknown): boolean {
  if (isOpaque(a)) return true;
  if (!isPlainContainer(a)) return false;
  let budget = 200;
  let level: object[] = [a];
  for (let depth = 0; depth < 3 && level.length; depth++) {
    const next: object[] = [];
    for (const o of level) {
      const check = (x: unknown): boolean | undefined => {
        if (--budget < 0) return false;
        if (isOpaque(x)) return true;
        if (isPlainContainer(x)) next.push(x);
        return undefined;
      };
      if (Array.isArray(o)) {
        for (let i = 0; i < o.length; i++) {
          const r = check(o[i]);
          if (r !== undefined) return r;
        }
      } else {
        for (const k in o) {
          const r = check((o as Record<string, unknown>)[k]);
          if (r !== undefined) return r;
        }
      }
    }
    level = next;
  }
  return false;
}

/** The arguments an intent is built from: the first always, each later one unless it is framework
 *  context (a plain argument after a context one is still the tool's data). */
export function withoutFrameworkContext(args: unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 1; i < args.length; i++) {
    if (isFrameworkContext(args[i])) out ??= args.slice(0, i);
    else if (out) out.push(args[i]);
  }
  return out ?? args;
}

interface Scan {
  pii: boolean;
  bulk: boolean;
}

let decoder: InstanceType<typeof TextDecoder> | undefined;

/** Walk argument values (and keys, Map/Set entries, buffer bytes) for pii and collections of more
 *  than one item. Never keeps a value. A scan cut short by its limits reports pii (fail closed). */
function scanArgs(args: unknown): Scan {
  const scan: Scan = { pii: false, bulk: false };
  let nodes = MAX_NODES;
  let text = MAX_TEXT;
  let values = MAX_VALUES;
  let stop = false;
  const seen = new Set<object>();
  const cutShort = () => {
    scan.pii = true;
    stop = scan.bulk;
  };
  const str = (s: string, field: string | undefined): void => {
    if (scan.pii) return;
    if (--nodes < 0 || (text -= s.length) < 0) cutShort();
    else if (looksLikePii(s) || idFieldHolds(field, s)) scan.pii = true;
  };
  const bytes = (v: ArrayBufferView | ArrayBuffer): void => {
    if (scan.pii) return;
    let view = ArrayBuffer.isView(v)
      ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
      : new Uint8Array(v);
    if (--nodes < 0 || (text -= view.byteLength) < 0) return cutShort();
    // TextDecoder refuses views of shared memory: decode a copy.
    if (Object.prototype.toString.call(view.buffer) === "[object SharedArrayBuffer]")
      view = view.slice();
    if (looksLikePii((decoder ??= new TextDecoder()).decode(view))) scan.pii = true;
  };
  const visit = (v: unknown, depth: number, field: string | undefined): void => {
    if (stop) return;
    if (--values < 0) {
      stop = true;
      scan.pii = true;
      return;
    }
    if (scan.pii && scan.bulk) {
      stop = true;
      return;
    }
    if (typeof v === "string") return str(v, field);
    if (typeof v === "number" || typeof v === "bigint") {
      if (!scan.pii && (numberLooksLikePii(v) || idFieldHolds(field, v))) scan.pii = true;
      return;
    }
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    if (--nodes < 0 || depth > MAX_DEPTH) return cutShort();
    seen.add(v);
    if (Array.isArray(v)) {
      // The top-level array is the argument list itself, not data.
      if (depth > 0 && v.length > 1) scan.bulk = true;
      for (let i = 0; i < v.length && !stop; i++) visit(v[i], depth + 1, field);
      return;
    }
    if (!isPlain(Object.getPrototypeOf(v)) && visitBuiltIn(v, depth, field)) return;
    for (const key in v) {
      if (stop) return;
      if (!scan.pii && key.length >= 7) {
        if ((text -= key.length) < 0) cutShort();
        else if (looksLikePii(key)) scan.pii = true;
      }
      visit((v as Record<string, unknown>)[key], depth + 1, key);
    }
  };
  /** Built-in containers by their internal tag (works across realms); false: scan as an object. */
  const visitBuiltIn = (v: object, depth: number, field: string | undefined): boolean => {
    if (ArrayBuffer.isView(v)) {
      bytes(v);
      return true;
    }
    switch (Object.prototype.toString.call(v)) {
      case "[object Map]":
        for (const [k, x] of Map.prototype.entries.call(v as Map<unknown, unknown>)) {
          if (stop) break;
          visit(k, depth + 1, undefined);
          visit(x, depth + 1, typeof k === "string" ? k : undefined);
        }
        return true;
      case "[object Set]": {
        let n = 0;
        for (const x of Set.prototype.values.call(v as Set<unknown>)) {
          if (stop) break;
          if (++n === 2 && depth > 0) scan.bulk = true;
          visit(x, depth + 1, field);
        }
        return true;
      }
      case "[object ArrayBuffer]":
      case "[object SharedArrayBuffer]":
        bytes(v as ArrayBuffer);
        return true;
      case "[object String]":
        str(String.prototype.valueOf.call(v), field);
        return true;
      case "[object Number]":
        visit(Number.prototype.valueOf.call(v), depth, field);
        return true;
      case "[object URL]":
        str(String(v), field);
        return true;
      case "[object Date]":
      case "[object RegExp]":
      case "[object Boolean]":
        return true;
      default:
        return false; // a class instance: its enumerable properties, like a plain object's
    }
  };
  visit(args, 0, undefined);
  return scan;
}

function resourceOf(
  r: IntentResource | Partial<IntentResource> | string | undefined,
): Partial<IntentResource> | undefined {
  if (r === undefined) return undefined;
  return typeof r === "string" ? { type: r } : r;
}

/**
 * Build the intent for one call of `toolName` with `args` (the argument list, or one object).
 * Precedence, lowest first: inferred from the name, map defaults, the map's tool entry, `override`.
 * Actor: override, then `actor` (withActor / GOVERNOR_ACTOR_ID), then the map default.
 */
export function buildIntent(
  toolName: string,
  args: unknown,
  options: BuildIntentOptions = {},
): Intent {
  const map = options.map ?? undefined;
  const defaults = map?.defaults;
  const tools = map?.tools;
  const entry = tools && Object.hasOwn(tools, toolName) ? tools[toolName] : undefined;
  const override = options.override ?? undefined;
  const inferred = entry?.action && entry.resource ? undefined : inferredFor(toolName);

  const action =
    override?.action ?? entry?.action ?? inferred?.action ?? defaults?.action ?? "execute";
  // Keys in sorted order where cheap: canonicalJson then skips sorting.
  const resource: IntentResource = {
    name: toolName,
    type: toolName,
    ...resourceOf(inferred?.resource),
    ...resourceOf(defaults?.resource),
    ...resourceOf(entry?.resource),
    ...resourceOf(override?.resource),
  } as IntentResource;
  const baseActor = options.actor ?? defaults?.actor ?? DEFAULT_ACTOR;
  const actor: Actor = override?.actor
    ? ({ ...baseActor, ...override.actor } as Actor)
    : { id: baseActor.id, type: baseActor.type || "agent" };

  const scan = scanArgs(args);
  const data: IntentData = { ...defaults?.data, ...entry?.data, ...override?.data };
  data.pii = data.pii === true || scan.pii;
  if (data.volume === undefined) data.volume = scan.bulk ? "bulk" : "single";

  const risk =
    defaults?.risk || entry?.risk || override?.risk
      ? { ...defaults?.risk, ...entry?.risk, ...override?.risk }
      : undefined;
  const layer = override?.layer ?? entry?.layer ?? defaults?.layer;
  const intent = { action, actor, data } as Intent;
  if (layer) intent.layer = layer;
  intent.resource = resource;
  if (risk) intent.risk = risk;
  return intent;
}

function checkEntry(where: string, e: unknown, problems: string[], allowActor: boolean): void {
  if (!isObject(e)) {
    problems.push(`${where} must be an object`);
    return;
  }
  for (const key of Object.keys(e)) {
    if (
      !["action", "resource", "data", "risk", "layer", ...(allowActor ? ["actor"] : [])].includes(
        key,
      )
    ) {
      problems.push(
        `${where}.${key} is not a known field (action, resource, data, risk, layer${allowActor ? ", actor" : ""})`,
      );
    }
  }
  if (e.action !== undefined && (typeof e.action !== "string" || !e.action))
    problems.push(`${where}.action must be a non-empty string`);
  if (e.resource !== undefined) {
    const r = e.resource;
    if (typeof r === "string") {
      if (!r) problems.push(`${where}.resource must not be empty`);
    } else if (
      !isObject(r) ||
      typeof r.type !== "string" ||
      (r.name !== undefined && typeof r.name !== "string")
    ) {
      problems.push(`${where}.resource must be a string or { "type": string, "name"?: string }`);
    } else {
      for (const k of NARROWING) {
        if (!validNarrowing(r[k]))
          problems.push(`${where}.resource.${k} must be a list of non-empty strings`);
      }
    }
  }
  if (e.data !== undefined) {
    if (!isObject(e.data)) problems.push(`${where}.data must be an object`);
    else {
      const d = e.data;
      if (d.pii !== undefined && typeof d.pii !== "boolean")
        problems.push(`${where}.data.pii must be true or false`);
      if (d.volume !== undefined && d.volume !== "single" && d.volume !== "bulk")
        problems.push(`${where}.data.volume must be "single" or "bulk"`);
      if (
        d.sensitivity !== undefined &&
        !(Array.isArray(d.sensitivity) && d.sensitivity.every((s) => typeof s === "string"))
      ) {
        problems.push(`${where}.data.sensitivity must be a list of strings`);
      }
    }
  }
  if (e.risk !== undefined && !isObject(e.risk)) problems.push(`${where}.risk must be an object`);
  if (e.layer !== undefined && typeof e.layer !== "string")
    problems.push(`${where}.layer must be a string`);
  if (allowActor && e.actor !== undefined) {
    const a = e.actor;
    if (
      !isObject(a) ||
      typeof a.id !== "string" ||
      !a.id ||
      (a.type !== undefined && typeof a.type !== "string")
    ) {
      problems.push(`${where}.actor must be { "id": string, "type"?: string }`);
    }
  }
}

/** Validate a parsed intent map; returns the problems found (empty when valid). */
export function validateIntentMap(value: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(value))
    return ['the intent map must be a JSON object with "defaults" and/or "tools"'];
  for (const key of Object.keys(value)) {
    // "enforce" (where enforce is and its key file) is validated by config.ts, which reads it.
    if (
      key !== "defaults" &&
      key !== "tools" &&
      key !== "$schema" &&
      key !== "enforce" &&
      key !== "deny"
    )
      problems.push(`"${key}" is not a known top-level field (defaults, tools, enforce, deny)`);
  }
  if (value.deny !== undefined) problems.push(...denyProblems(value.deny));
  if (value.defaults !== undefined) checkEntry("defaults", value.defaults, problems, true);
  if (value.tools !== undefined) {
    if (!isObject(value.tools)) problems.push("tools must be an object of tool name -> entry");
    else
      for (const [name, e] of Object.entries(value.tools))
        checkEntry(`tools.${name}`, e, problems, false);
  }
  return problems;
}

/** Read and validate an intent map (governor.config.json). Throws GovernorConfigError saying what to fix. */
export function loadIntentMap(path: string): IntentMap {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new GovernorConfigError(
      code === "ENOENT"
        ? `Intent map ${path} does not exist. Create it (governor init writes one) or point GOVERNOR_CONFIG at the right file.`
        : `Intent map ${path} could not be read (${code ?? "error"}). Check the path and its permissions.`,
      { cause: err },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GovernorConfigError(
      `Intent map ${path} is not valid JSON: ${(err as Error).message}. Fix the file and restart.`,
    );
  }
  const problems = validateIntentMap(parsed);
  if (problems.length) {
    throw new GovernorConfigError(`Intent map ${path} is invalid: ${problems.join("; ")}.`, {
      problems,
    });
  }
  const map = parsed as IntentMap;
  const a = map.defaults?.actor;
  if (a && !a.type) a.type = "agent";
  return map;
}
