// stub: replaced by the http guard
export function installHttpGuard(): void {
  throw new Error("the http guard is not built yet");
}
