import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type NodeResponseTarget,
  writeToNode,
} from "../../src/_internal/node_response.ts";

interface Recorded {
  calls: string[];
  status?: number;
  headers?: Record<string, string | string[]>;
  endArgs?: unknown[];
}

/** A target that records what it is told, in order. */
function recorder(): NodeResponseTarget & Recorded {
  const target: NodeResponseTarget & Recorded = {
    calls: [],
    writeHead(status, headers) {
      target.calls.push("writeHead");
      target.status = status;
      target.headers = headers;
    },
    end(...args: unknown[]) {
      target.calls.push("end");
      target.endArgs = args;
    },
  };
  return target;
}

describe("writeToNode()", () => {
  it("writes the status, the headers, then the body's bytes", async () => {
    const res = recorder();
    await writeToNode(
      res,
      new Response("héllo", {
        status: 201,
        headers: { "Content-Type": "text/plain", "X-Custom": "1" },
      }),
    );
    assert.deepEqual(res.calls, ["writeHead", "end"]);
    assert.equal(res.status, 201);
    assert.deepEqual(res.headers, {
      "content-type": "text/plain",
      "x-custom": "1",
    });
    assert.equal(res.endArgs?.length, 1);
    const body = res.endArgs?.[0];
    assert.ok(body instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(body), "héllo");
  });

  it("ends without a body argument when the body is empty or absent", async () => {
    for (
      const response of [
        new Response(null, { status: 204 }),
        new Response("", { status: 401 }),
      ]
    ) {
      const res = recorder();
      await writeToNode(res, response);
      assert.equal(res.status, response.status);
      assert.deepEqual(res.endArgs, []);
    }
  });

  it("keeps each Set-Cookie apart, as an array, and joins other repeated headers", async () => {
    const headers = new Headers();
    headers.append("set-cookie", "a=1; Path=/");
    headers.append("set-cookie", "b=2, c; HttpOnly");
    headers.append("vary", "origin");
    headers.append("vary", "accept");
    const res = recorder();
    await writeToNode(res, new Response("x", { headers }));
    assert.deepEqual(res.headers?.["set-cookie"], [
      "a=1; Path=/",
      "b=2, c; HttpOnly",
    ]);
    assert.equal(res.headers?.["vary"], "origin, accept");
  });

  it("writes no set-cookie header when there is none", async () => {
    const res = recorder();
    await writeToNode(res, new Response("x"));
    assert.equal("set-cookie" in (res.headers ?? {}), false);
  });

  it("reads the whole body before writing anything, so a body that fails leaves the response unsent", async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("stream broke"));
      },
    });
    const res = recorder();
    await assert.rejects(writeToNode(res, new Response(body)), /stream broke/);
    assert.deepEqual(res.calls, []);
  });

  it("sends a response through a real node:http server: status, cookies apart, body", async () => {
    const server = createServer((_req, res) => {
      const headers = new Headers({ "content-type": "application/json" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      void writeToNode(
        res,
        new Response(JSON.stringify({ ok: true }), { status: 202, headers }),
      );
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    try {
      const port = (server.address() as AddressInfo).port;
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(response.status, 202);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.deepEqual(response.headers.getSetCookie(), ["a=1", "b=2"]);
      assert.deepEqual(await response.json(), { ok: true });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});
