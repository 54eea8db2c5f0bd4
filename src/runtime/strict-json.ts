// What JSON.parse lets through but a gate must not read as a decision: a body not sent as JSON, a
// byte order mark (undici's text() would drop it on one read path and not the other), and a key given
// twice (JSON.parse keeps the last, so {"decision":"DENY","decision":"ALLOW"} would allow).

/** application/json or application/*+json, case and parameters aside; one header only. */
export function isJsonType(header: string | string[] | undefined): boolean {
  if (typeof header !== "string") return false;
  const semi = header.indexOf(";");
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** The first key found twice in one object, at any depth (escapes decoded, so "\u0064ecision" is
 *  "decision"), or undefined. A single pass that only tracks strings and brackets: it does not
 *  validate (JSON.parse does) and stops safely on text that is not JSON. Keys of the open objects
 *  sit in one array (no allocation per object); an object past 8 keys gets a Set, so a body of
 *  100,000 keys stays linear. */
export function duplicateKey(text: string): string | undefined {
  const keys: string[] = [];
  const starts: number[] = []; // per open bracket: where its object's keys begin in `keys`, -1 for an array
  const sets: (Set<string> | undefined)[] = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      for (let d = text.charCodeAt(j); j < n && d !== 0x22; d = text.charCodeAt(++j)) {
        if (d === 0x5c) {
          escaped = true;
          j++;
        }
      }
      if (expectKey) {
        let key = text.slice(i + 1, j);
        if (escaped) {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            return undefined; // not JSON: JSON.parse will say so
          }
        }
        const top = starts.length - 1;
        const set = sets[top];
        if (set) {
          if (set.has(key)) return key;
          set.add(key);
        } else {
          for (let k = starts[top]; k < keys.length; k++) if (keys[k] === key) return key;
          if (keys.length - starts[top] >= 8) sets[top] = new Set(keys.slice(starts[top])).add(key);
        }
        keys.push(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      starts.push(c === 0x7b ? keys.length : -1);
      sets.push(undefined);
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      const from = starts.pop();
      sets.pop();
      if (from !== undefined && from >= 0) keys.length = from;
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = starts.length > 0 && starts[starts.length - 1] >= 0;
    }
  }
  return undefined;
}

/** A duplicated key as shown in messages: only names of the enforce API (any other is server text). */
export function shownKey(key: string): string {
  return /^(decision|metadata|enforcement_latency_ms|request_id|reason|deny_code|ttl_ms|decision_token|expires_at|canonicalization_trace)$/.test(
    key,
  )
    ? ` "${key}"`
    : "";
}

/** The media type as shown in messages, when it is a plain one (the header is server text). */
export function shownType(header: string | string[] | undefined): string {
  if (header === undefined) return "no content-type";
  const type = typeof header === "string" ? header.split(";")[0].trim() : "";
  return /^[\w.+-]{1,40}\/[\w.+-]{1,60}$/.test(type)
    ? `content-type ${type}`
    : "an unexpected content-type";
}
