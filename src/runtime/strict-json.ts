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
 *  validate (JSON.parse does) and stops safely on text that is not JSON. */
export function duplicateKey(text: string): string | undefined {
  const objects: (Set<string> | null)[] = []; // null marks an array
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      let escaped = false;
      while (j < n && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c) {
          escaped = true;
          j++;
        }
        j++;
      }
      const keys = objects[objects.length - 1];
      if (expectKey && keys) {
        let key = text.slice(i + 1, j);
        if (escaped) {
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            return undefined; // not JSON: JSON.parse will say so
          }
        }
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      objects.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      objects.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      objects.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = objects[objects.length - 1] != null;
    }
  }
  return undefined;
}

/** A duplicated key as shown in messages: only names of the enforce API (any other is server text). */
export function shownKey(key: string): string {
  return /^(decision|metadata|enforcement_latency_ms|request_id|reason|deny_code|ttl_ms|decision_token|expires_at|canonicalization_trace)$/.test(key) ? ` "${key}"` : "";
}

/** The media type as shown in messages, when it is a plain one (the header is server text). */
export function shownType(header: string | string[] | undefined): string {
  if (header === undefined) return "no content-type";
  const type = typeof header === "string" ? header.split(";")[0].trim() : "";
  return /^[\w.+-]{1,40}\/[\w.+-]{1,60}$/.test(type) ? `content-type ${type}` : "an unexpected content-type";
}
