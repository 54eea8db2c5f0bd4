// Which of a tool function's arguments are the tool's input (what the intent is built from), for
// frameworks whose execute gets its input inside an object of their own (gate's `input` option).

/** Mastra: 0.x calls execute({ context: input, runtimeContext, mastra, ... }, options), and direct
 *  callers pass { context } alone; 1.x calls execute(input, context). The runtime context and the
 *  mastra instance are never the tool's data. */
export function mastraInput(args: unknown[]): unknown[] {
  const a = args[0];
  if (a === null || typeof a !== "object" || !("context" in a)) return args.slice(0, 1);
  if ("runtimeContext" in a || Object.keys(a).length === 1)
    return [(a as { context: unknown }).context];
  return args.slice(0, 1);
}
