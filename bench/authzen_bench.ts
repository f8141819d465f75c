// A tools/list of 100 tools behind an AuthZEN check, against a real Cerbos
// PDP (the npm binary, started here on 127.0.0.1, killed on exit):
// Authorizer.filter with the batch hook (one Access Evaluations request per
// list) against the same check without it (one Access Evaluation request per
// tool, all in flight at once), cache off for both.
//
//   deno bench -A bench/authzen_bench.ts
import { type AccessToken, type AuthCheck, Authorizer } from "../mod.ts";
import { authzenCheck } from "../src/authzen/mod.ts";
import { needsCerbos, startCerbos } from "../tests/authzen/_cerbos.ts";

const TOOLS = 100;

if (needsCerbos !== false) {
  console.log(`authzen_bench skipped: ${needsCerbos}`);
} else {
  const cerbos = await startCerbos();
  globalThis.addEventListener("unload", () => cerbos.kill());

  let requests = 0;
  const counted = (url: string, init: RequestInit) => {
    if (init.method === "POST") requests++;
    return fetch(url, init);
  };
  const check = authzenCheck({
    pdp: cerbos.url,
    fetch: counted,
    cache: false,
    batchSize: TOOLS,
    concurrency: TOOLS,
  });
  // The same check, stripped of decideMany: filter asks it once per tool.
  const perTool: AuthCheck = (ctx) => check(ctx);

  const batched = new Authorizer({ layers: [check] });
  const single = new Authorizer({ layers: [perTool] });
  const token: AccessToken = {
    token: "t",
    clientId: "agent-app",
    scopes: [],
    claims: { sub: "alice" },
  };
  const tools = Array.from({ length: TOOLS }, (_, i) => ({
    kind: "tool" as const,
    name: i % 2 === 0 ? `public_${i}` : `admin_${i}`,
  }));

  // Requests per list, and the two agree.
  const perList = async (authorizer: Authorizer) => {
    const before = requests;
    const visible = await authorizer.filter(token, tools);
    return { visible: visible.length, requests: requests - before };
  };
  const a = await perList(batched);
  const b = await perList(single);
  if (a.visible !== TOOLS / 2 || b.visible !== TOOLS / 2) {
    throw new Error("benchmark fixtures disagree");
  }
  console.log(
    `PDP requests per list of ${TOOLS} tools: ${a.requests} with the batch endpoint, ${b.requests} one per tool`,
  );

  Deno.bench({
    name: `filter ${TOOLS} tools: one request per tool`,
    group: "tools/list via Cerbos",
    baseline: true,
    async fn() {
      await single.filter(token, tools);
    },
  });
  Deno.bench({
    name: `filter ${TOOLS} tools: one batch request`,
    group: "tools/list via Cerbos",
    async fn() {
      await batched.filter(token, tools);
    },
  });
}
