#!/usr/bin/env node
// A plain Node workflow, no agent framework: each step runs in an intentScope that enforce allows or
// denies as a whole, and the http guard refuses any outbound request made outside an allowed scope.
// The "CRM" is a fake HTTP server this script starts on 127.0.0.1 itself. See README.md.
import { createServer } from "node:http";
import {
  createGovernor,
  currentGrant,
  GovernorDeniedError,
  GovernorGuardError,
} from "governor/runtime";

// --- a fake CRM, in this process (inbound requests are not what the guard looks at) --------------
const seen = [];
const contacts = [
  { id: "c-1", name: "Ada Lovelace", email: "ada@example.com" },
  { id: "c-2", name: "Alan Turing", email: "alan@example.com" },
];
const crm = createServer((req, res) => {
  seen.push(`${req.method} ${req.url}`);
  req.resume();
  if (req.method === "GET" && req.url.startsWith("/contacts")) {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(contacts));
  } else res.writeHead(204).end();
});
await new Promise((resolve) => crm.listen(0, "127.0.0.1", resolve));
const CRM = `http://127.0.0.1:${crm.address().port}`;
console.log(`fake CRM listening on ${CRM}`);

// --- governor: enforce from GOVERNOR_ENFORCE_URL, the http guard on in code ----------------------
// The guard's mode follows the gate's (enforce unless GOVERNOR_MODE=observe): outside an allowed
// scope, a request is refused before it leaves the process.
const governor = createGovernor({ guard: { on: ["http"] } });

/** fetch reports a refused request either as the guard's error or as the `cause` of its TypeError. */
const guardErrorOf = (err) => [err, err?.cause].find((e) => e instanceof GovernorGuardError);

// Step 1: read the contacts. The policy allows action "read" on a "crm"; resource.hosts narrows the
// scope's requests to the CRM's host.
const synced = await governor.intentScope(
  { action: "read", resource: { type: "crm", name: "contacts", hosts: ["127.0.0.1"] } },
  async () => {
    const res = await fetch(`${CRM}/contacts`);
    const list = await res.json();
    return { count: list.length, requestId: currentGrant()?.requestId };
  },
);
console.log(
  `step 1 read contacts: ALLOW (request id ${synced.requestId}), fetched ${synced.count} contacts`,
);

// Step 2: purge them. The policy denies it, so the function never runs and no DELETE is sent.
try {
  await governor.intentScope(
    { action: "delete", resource: { type: "crm", name: "contacts" }, data: { volume: "bulk" } },
    () => fetch(`${CRM}/contacts`, { method: "DELETE" }),
  );
  console.log("step 2 purge contacts: ran");
} catch (err) {
  if (!(err instanceof GovernorDeniedError)) throw err;
  console.log(
    `step 2 purge contacts: DENY (${err.denyCode}, request id ${err.requestId}), not run: ${err.message}`,
  );
}

// Step 3: a request outside any scope, as a forgotten helper or a dependency might make.
try {
  const res = await fetch(`${CRM}/contacts?export=all`);
  await res.arrayBuffer();
  console.log(
    `outside any scope: request let through (status ${res.status}; recorded as ungoverned)`,
  );
} catch (err) {
  const guard = guardErrorOf(err);
  if (!guard) throw err;
  console.log(
    `outside any scope: BLOCKED by the http guard (${guard.code}, ${guard.reason}): ${guard.message}`,
  );
}

console.log(`the CRM saw: ${seen.join(", ") || "nothing"}`);
await governor.close();
crm.closeAllConnections();
crm.close();
