// GitHub Actions workflow commands, so failures show up as annotations on the run.
const escapeData = (s: string) =>
  s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProp = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

export function inGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === "true";
}

export function annotation(
  level: "error" | "warning" | "notice",
  title: string,
  message: string,
): string {
  return `::${level} title=${escapeProp(title)}::${escapeData(message)}`;
}
