// examples/workers as `deno task example:workers` starts it (a Worker in
// workerd through Miniflare, on a free port): agents' createMcpHandler
// behind withBearerAuth + JwtVerifier, the guard's preflight in front of
// it, the dev authorization server inside the Worker; the stack suite's
// flows with the SDK clients (v2 and 1.x) and their OAuth providers, and
// what the task prints.
import assert from "node:assert/strict";
import { describeStack } from "./_stack_suite.ts";

describeStack({
  title: "examples/workers (agents' createMcpHandler in workerd)",
  task: "example:workers",
  servedByTask: true,
  skip: typeof Deno === "undefined" && "spawns `deno task example:workers`",
  printed(output) {
    assert.match(
      output,
      /Authorization server: http:\/\/127\.0\.0\.1:\d+\/oauth \(embedded in the Worker/,
    );
    assert.match(output, /PORT=\d+ npx --yes deno@2\.9\.6 task client/);
    // Offline: Miniflare did not try to fetch Cloudflare's request metadata.
    assert.doesNotMatch(output, /Request\.cf|ENOTFOUND/);
  },
});
