import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Introspections,
  startAuthorizationServer,
} from "../../../stress/cluster/authorization_server.ts";
import { RESOURCE } from "../../../stress/cluster/config.ts";
import type { Phase } from "../../../stress/cluster/context.ts";

describe("Introspections", () => {
  it("answers a registered token active, bound to its key, for the resource", () => {
    const introspections = new Introspections();
    introspections.register("tok-1", "jkt-1");
    assert.equal(introspections.has("tok-1"), true);
    assert.deepEqual(introspections.answer("tok-1", 1_000_000), {
      active: true,
      client_id: "stress-client",
      scope: "mcp",
      aud: RESOURCE,
      exp: 1_000 + 600,
      cnf: { jkt: "jkt-1" },
    });
  });

  it("answers any other token inactive", () => {
    const introspections = new Introspections();
    assert.equal(introspections.has("tok-x"), false);
    assert.deepEqual(introspections.answer("tok-x", 0), { active: false });
  });

  it("files each call under its token and phase", () => {
    const introspections = new Introspections();
    introspections.count("a", "up");
    introspections.count("a", "down");
    introspections.count("a", "down");
    introspections.count("b", "up");
    assert.deepEqual([...introspections.calls], [
      ["a", { up: 1, down: 2 }],
      ["b", { up: 1, down: 0 }],
    ]);
  });
});

describe("startAuthorizationServer()", () => {
  it(
    "serves RFC 7662 introspection on 127.0.0.1, counting by the phase at the call",
    {
      skip: typeof Deno === "undefined" && "needs Deno.serve",
    },
    async () => {
      const introspections = new Introspections();
      introspections.register("tok-1", "jkt-1");
      let phase: Phase = "up";
      const server = startAuthorizationServer(introspections, () => phase);
      try {
        assert.match(
          server.introspectionUrl,
          /^http:\/\/127\.0\.0\.1:\d+\/introspect$/,
        );
        const introspect = async (token: string) =>
          await (await fetch(server.introspectionUrl, {
            method: "POST",
            body: new URLSearchParams({ token }),
          })).json();
        assert.equal((await introspect("tok-1")).cnf.jkt, "jkt-1");
        phase = "down";
        assert.equal((await introspect("tok-1")).active, true);
        assert.deepEqual(await introspect("nope"), { active: false });
        assert.deepEqual(introspections.calls.get("tok-1"), { up: 1, down: 1 });
        assert.deepEqual(introspections.calls.get("nope"), { up: 0, down: 1 });
      } finally {
        await server.shutdown();
      }
    },
  );
});
