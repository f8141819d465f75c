import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { DecisionEvent } from "../../mod.ts";
import {
  DecisionLog,
  REQUEST_ID_HEADER,
  tagged,
} from "../../stress/decisions.ts";
import { call, postRequest } from "../../stress/requests.ts";

const http = (outcome: DecisionEvent["outcome"], requestId?: string) =>
  ({ operation: "http", outcome, requestId }) as DecisionEvent;
const toolsCall = (outcome: DecisionEvent["outcome"], requestId: string) =>
  ({ operation: "tools/call", outcome, requestId }) as DecisionEvent;

describe("tagged()", () => {
  it("sends the id as the JSON-RPC id and in the header, the rest unchanged", async () => {
    const original = postRequest(
      "http://127.0.0.1/mcp",
      "Bearer t",
      call("echo"),
    );
    const request = await tagged(original, "r7");
    assert.equal(request.headers.get(REQUEST_ID_HEADER), "r7");
    assert.equal(request.headers.get("authorization"), "Bearer t");
    assert.equal(request.method, "POST");
    assert.deepEqual(await request.json(), {
      jsonrpc: "2.0",
      id: "r7",
      method: "tools/call",
      params: { name: "echo" },
    });
  });
});

describe("DecisionLog", () => {
  it("files events by the load's ids, and hands them over once", () => {
    const log = new DecisionLog();
    log.listener(http("allow", "r1"));
    log.listener(toolsCall("step-up", "r1"));
    log.listener(http("deny", "r2"));
    log.listener(toolsCall("allow", "1")); // a replay's first use: not ours
    assert.equal(log.unfiled, 1);
    assert.deepEqual(log.take("r1"), {
      http: "allow",
      call: "step-up",
      once: true,
    });
    assert.deepEqual(log.take("r2"), {
      http: "deny",
      call: undefined,
      once: true,
    });
    assert.equal(log.pending, 0);
    assert.deepEqual(log.take("r1"), {
      http: undefined,
      call: undefined,
      once: false,
    });
  });

  it("says when a layer decided twice, or the guard after a refusal", () => {
    const log = new DecisionLog();
    log.listener(http("allow", "r1"));
    log.listener(http("allow", "r1"));
    log.listener(toolsCall("allow", "r1"));
    log.listener(http("deny", "r2"));
    log.listener(toolsCall("allow", "r2"));
    log.listener(http("allow", "r3"));
    assert.equal(log.take("r1").once, false);
    assert.equal(log.take("r2").once, false);
    assert.equal(log.take("r3").once, false, "allowed, then never decided");
  });

  it("gives an HTTP event the request's id from its header", () => {
    const log = new DecisionLog();
    const request = new Request("http://127.0.0.1/mcp", {
      headers: { [REQUEST_ID_HEADER]: "r9" },
    });
    assert.equal(log.redactor(http("deny"), { request }).requestId, "r9");
    assert.equal(log.redactor(http("deny"), {}).requestId, undefined);
  });
});
