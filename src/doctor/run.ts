// Runs every doctor check in order and returns the report; each check is data, printing is elsewhere.
import { releaseParses } from "../detectors/parse.js";
import { existsSync } from "node:fs";
import path from "node:path";
import { cliGovernor } from "../cli-support/enforce.js";
import { detectProject, type ProjectDetection } from "../detectors/project.js";
import { loadIntentMap, type IntentMap } from "../runtime/index.js";
import { checkClientCert, checkOAuth, checkServerCert, readIdentity } from "./auth.js";
import { checkClock } from "./clock.js";
import { appSites, baseUrl, checkConfig, checkIntentMap, checkSafety } from "./config.js";
import { checkEdge } from "./edge.js";
import { checkGuards } from "./guards.js";
import { checkContract, checkLatency, checkProbes } from "./enforce.js";
import { checkReachable } from "./network.js";
import { loadProbes, type Probe } from "./probes-file.js";
import { checkEntrypoint, checkGoverned, checkInstalled, type GateSourcesLike } from "./repo.js";
import { fail, skip, type CheckResult, type DoctorReport } from "./types.js";
import { checkVersions } from "./versions.js";

export interface DoctorOptions {
  cwd: string;
  url?: string;
  apiKey?: string;
  probes?: string;
  maxLatency?: number;
  samples: number;
  timeout?: number;
  strict: boolean;
  env: NodeJS.ProcessEnv;
  gateSources?: GateSourcesLike;
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  const ci = o.env.CI === "true" || o.env.CI === "1" || o.env.GITHUB_ACTIONS === "true";

  // The project first: the app's package (above its entrypoint) is where it finds governor.config.json.
  let project: ProjectDetection | undefined;
  let projectError: string | undefined;
  try {
    project = detectProject(o.cwd);
  } catch (err) {
    projectError = (err as Error).message;
  }
  const sites = appSites(o.cwd, project);

  const {
    result: configResult,
    config: validConfig,
    live: partial,
  } = checkConfig({ cwd: o.cwd, url: o.url, apiKey: o.apiKey, env: o.env, ci, site: sites[0] });
  // Live checks run with the valid part of the configuration when some other setting is wrong.
  const config = validConfig ?? partial?.config;
  const env = partial?.env ?? o.env;
  checks.push(configResult);
  const mapCheck = checkIntentMap(o.env, sites);
  checks.push(mapCheck);
  checks.push(checkSafety(validConfig, ci));
  checks.push(checkGuards({ env: o.env, cwd: o.cwd, config: validConfig }));

  const endpoint = config?.endpoint ?? null;
  // With its query string (it may carry the tenant's token): doctor asks exactly as the gate does.
  const base = endpoint ? baseUrl(endpoint) : undefined;
  // The client certificate and CA, when set, are what the handshakes below use.
  const identity = readIdentity(config);
  const tls = typeof identity === "object" ? identity : undefined;
  const liveTimeout = o.timeout ?? Math.max(config?.timeoutMs ?? 0, 2000);
  const live = endpoint
    ? await checkReachable(endpoint, liveTimeout, tls)
    : skip(
        "enforce.reachable",
        config ? "needs an enforce URL (see config)" : "needs a valid configuration (see config)",
      );
  checks.push(live);
  checks.push(
    checkClientCert(config, identity),
    await checkServerCert(endpoint, config, identity, liveTimeout),
    await checkOAuth(config, liveTimeout),
  );

  if (live.status === "pass" && base) {
    let map: IntentMap = {};
    if (mapCheck.status === "pass") map = loadIntentMap(String(mapCheck.details!.file));
    const g = cliGovernor({ url: base, apiKey: o.apiKey, timeoutMs: o.timeout, config: map, env });
    try {
      const { auth, contract, ok } = await checkContract(
        g,
        base,
        Boolean(config?.decisionKey),
        Boolean(config?.apiKey),
      );
      checks.push(auth, contract);
      let probes: Probe[] | undefined;
      const probesFile =
        o.probes ??
        (existsSync(path.join(o.cwd, "governor.probes.json"))
          ? path.join(o.cwd, "governor.probes.json")
          : undefined);
      let probesError: CheckResult | undefined;
      if (probesFile) {
        try {
          probes = loadProbes(probesFile);
        } catch (err) {
          probesError = fail(
            "probes",
            `cannot use the probes file: ${(err as Error).message}`,
            'A probes file is JSON: { "probes": [ { "intent": {...} | "tool": "name", "expect": "allow" | "deny" } ] }.',
          );
        }
      }
      if (!ok) {
        checks.push(
          probesError ?? skip("probes", "needs a working enforce contract"),
          skip("latency", "needs a working enforce contract"),
        );
      } else {
        checks.push(
          probesError ??
            (await checkProbes(g, probes, map, config?.actor ?? null, probesFile, base)),
        );
        checks.push(await checkLatency(g, o.samples, o.maxLatency, base));
      }
    } finally {
      await g.close();
    }
  } else {
    for (const id of ["enforce.auth", "enforce.contract", "probes", "latency"])
      checks.push(skip(id, "needs a reachable enforce server"));
  }
  checks.push(
    await checkClock(
      endpoint,
      Boolean(config?.decisionKey),
      config?.headers ?? {},
      o.timeout ?? 2000,
    ),
  );

  if (!project) {
    for (const id of [
      "runtime.installed",
      "frameworks.versions",
      "runtime.entrypoint",
      "tools.governed",
      "runtime.edge",
    ])
      checks.push(
        skip(
          id,
          `cannot read the project here: ${projectError}`,
          "Run governor doctor in your project's directory, or pass --cwd <dir>.",
        ),
      );
  } else {
    checks.push(
      checkInstalled(project),
      checkVersions(project),
      checkEntrypoint(project, o.env),
      checkGoverned(project, o.gateSources),
    );
    checks.push(checkEdge(project, o.gateSources));
  }

  const ok = !checks.some((c) => c.status === "fail" || (o.strict && c.status === "warn"));
  releaseParses(); // a watch or an MCP server runs doctor again: no trees kept between runs
  return { ok, checks };
}
