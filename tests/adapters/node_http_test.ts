// src/adapters/node_http.ts: a Web Response written to a Node response.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeNodeResponse } from "../../src/adapters/mod_node.ts";

function recorder() {
  const sent: { status?: number; headers?: unknown; body?: unknown[] } = {};
  return {
    sent,
    res: {
      writeHead(status: number, headers: Record<string, string | string[]>) {
        sent.status = status;
        sent.headers = headers;
      },
      end(...args: unknown[]) {
        sent.body = args;
      },
    },
  };
}

describe("writeNodeResponse", () => {
  it("writes the status, every header and the body", async () => {
    const { sent, res } = recorder();
    const headers = new Headers({ "content-type": "application/json" });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    await writeNodeResponse(
      res,
      new Response('{"ok":1}', { status: 401, headers }),
    );
    assert.equal(sent.status, 401);
    assert.deepEqual(sent.headers, {
      "content-type": "application/json",
      "set-cookie": ["a=1", "b=2"],
    });
    assert.equal(
      new TextDecoder().decode(sent.body![0] as Uint8Array),
      '{"ok":1}',
    );
  });

  it("ends a response without a body with no chunk", async () => {
    const { sent, res } = recorder();
    await writeNodeResponse(res, new Response(null, { status: 204 }));
    assert.equal(sent.status, 204);
    assert.deepEqual(sent.body, []);
  });
});
