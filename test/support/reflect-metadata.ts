// The three Reflect metadata calls @peculiar/x509's dependency tsyringe makes at load time
// (getMetadata, getOwnMetadata, defineMetadata), so tests need no reflect-metadata package.
// Import it before @peculiar/x509.
type Target = object;
const store = new WeakMap<Target, Map<string | symbol | undefined, Map<unknown, unknown>>>();

function table(target: Target, prop: string | symbol | undefined, create: boolean) {
  let byProp = store.get(target);
  if (!byProp) {
    if (!create) return undefined;
    store.set(target, (byProp = new Map()));
  }
  let t = byProp.get(prop);
  if (!t && create) byProp.set(prop, (t = new Map()));
  return t;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== "function") {
  R.defineMetadata = (key: unknown, value: unknown, target: Target, prop?: string | symbol) => {
    table(target, prop, true)!.set(key, value);
  };
  R.getOwnMetadata = (key: unknown, target: Target, prop?: string | symbol) =>
    table(target, prop, false)?.get(key);
  R.getMetadata = (key: unknown, target: Target, prop?: string | symbol): unknown => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t)) {
      const m = table(t, prop, false);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
}
