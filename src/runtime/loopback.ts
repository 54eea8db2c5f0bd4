/** A loopback host: localhost, 127.x.x.x, ::1 (with or without URL brackets). A leaf: the CLI's
 *  --help path loads it too. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
