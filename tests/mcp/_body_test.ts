// Reading a JSON-RPC body once, within a bound: Web Requests and Node
// IncomingMessage-shaped requests.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  isJsonMediaType,
  type NodeRequestLike,
  readNodeBody,
  readRequestBody,
} from "../../src/mcp/_body.ts";

const URL_ = "https://mcp.example.com/mcp";
const JSON_HEADERS = { "content-type": "application/json" };
const encoder = new TextEncoder();

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

function streamed(chunks: string[]): Request {
  return new Request(URL_, {
    method: "POST",
    headers: JSON_HEADERS,
    body: streamOf(chunks),
    duplex: "half",
  } as RequestInit);
}

describe("isJsonMediaType()", () => {
  for (
    const [value, json] of [
      ["application/json", true],
      ["Application/JSON; charset=utf-8", true],
      [" application/json ;x=y", true],
      ["application/json-patch+json", false],
      ["text/plain", false],
      ["", false],
      [null, false],
      [undefined, false],
    ] as const
  ) {
    it(`says ${json} for ${JSON.stringify(value)}`, () => {
      assert.equal(isJsonMediaType(value), json);
    });
  }
});

describe("readRequestBody()", () => {
  it("parses a JSON POST, in one chunk or many", async () => {
    const message = { jsonrpc: "2.0", id: 1, method: "ping" };
    const one = new Request(URL_, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify(message),
    });
    assert.deepEqual(await readRequestBody(one, 1024), {
      kind: "json",
      value: message,
    });
    const text = JSON.stringify(message);
    const many = streamed([text.slice(0, 5), text.slice(5, 9), text.slice(9)]);
    assert.deepEqual(await readRequestBody(many, 1024), {
      kind: "json",
      value: message,
    });
  });

  it("leaves alone what is not a JSON POST", async () => {
    const get = new Request(URL_);
    assert.deepEqual(await readRequestBody(get, 10), { kind: "unread" });
    const plain = new Request(URL_, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    assert.deepEqual(await readRequestBody(plain, 10), { kind: "unread" });
    assert.equal(plain.bodyUsed, false);
  });

  it("keeps the bytes of a body that is not JSON, empty included", async () => {
    for (const text of ["{nope", "", "\u00e9t\u00e9"]) {
      const request = new Request(URL_, {
        method: "POST",
        headers: JSON_HEADERS,
        body: text,
      });
      const body = await readRequestBody(request, 1024);
      assert.equal(body.kind, "raw");
      assert.deepEqual(
        body.kind === "raw" ? body.bytes : undefined,
        encoder.encode(text),
      );
    }
  });

  it("reads a body of declared length at once, keeping what is not JSON as text", async () => {
    const json = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const declared = (body: string) =>
      new Request(URL_, {
        method: "POST",
        headers: { ...JSON_HEADERS, "content-length": String(body.length) },
        body,
      });
    assert.deepEqual(await readRequestBody(declared(json), 1024), {
      kind: "json",
      value: JSON.parse(json),
    });
    assert.deepEqual(await readRequestBody(declared("{nope"), 1024), {
      kind: "raw",
      bytes: "{nope",
    });
  });

  it("refuses a declared length over the bound without reading", async () => {
    const request = new Request(URL_, {
      method: "POST",
      headers: { ...JSON_HEADERS, "content-length": "2048" },
      body: "x".repeat(2048),
    });
    assert.deepEqual(await readRequestBody(request, 1024), {
      kind: "too_large",
    });
    assert.equal(request.bodyUsed, false);
  });

  it("stops reading a streamed body at the bound", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(512));
      },
    });
    const request = new Request(URL_, {
      method: "POST",
      headers: JSON_HEADERS,
      body: endless,
      duplex: "half",
    } as RequestInit);
    assert.deepEqual(await readRequestBody(request, 1024), {
      kind: "too_large",
    });
    assert.ok(pulled <= 4, `pulled ${pulled} chunks`);
  });

  it("refuses a body already read, saying what to pass instead", async () => {
    const request = new Request(URL_, {
      method: "POST",
      headers: JSON_HEADERS,
      body: "{}",
    });
    await request.text();
    await assert.rejects(
      readRequestBody(request, 1024),
      (error: unknown) =>
        error instanceof TypeError &&
        /already read: pass \{ body, authorization \}/.test(error.message),
    );
  });
});

/** A Node-shaped request streaming `chunks`. */
function nodeRequest(
  chunks: (string | Uint8Array)[],
  extra: Partial<NodeRequestLike> = {},
): NodeRequestLike {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) {
        yield typeof chunk === "string" ? encoder.encode(chunk) : chunk;
      }
    },
    ...extra,
  };
}

describe("readNodeBody()", () => {
  it("takes a body a parser left on req.body as it is", async () => {
    const body = { jsonrpc: "2.0", id: 1, method: "ping" };
    const req = nodeRequest([], { body, readableEnded: true });
    const read = await readNodeBody(req, 10);
    assert.equal(read.kind === "json" ? read.value : undefined, body);
  });

  it("reads and parses the stream, in one chunk or many", async () => {
    const read = await readNodeBody(nodeRequest(['{"a":', "1}"]), 1024);
    assert.deepEqual(read, { kind: "json", value: { a: 1 } });
  });

  it("leaves the bytes of a body that is not JSON on req.rawBody", async () => {
    const req = nodeRequest(["{no", "pe"]);
    const read = await readNodeBody(req, 1024);
    assert.equal(read.kind, "raw");
    const buffer = (globalThis as { Buffer?: unknown }).Buffer;
    if (buffer !== undefined) {
      assert.ok(req.rawBody instanceof (buffer as typeof Uint8Array));
      assert.equal(
        new TextDecoder().decode(req.rawBody as Uint8Array),
        "{nope",
      );
    }
  });

  it("refuses a body over the bound, declared or streamed", async () => {
    const declared = nodeRequest(["{}"], {
      headers: { "content-type": "application/json", "content-length": "99" },
    });
    assert.deepEqual(await readNodeBody(declared, 10), { kind: "too_large" });
    const streamedBody = nodeRequest(["x".repeat(8), "x".repeat(8)]);
    assert.deepEqual(await readNodeBody(streamedBody, 10), {
      kind: "too_large",
    });
  });

  it("leaves alone what is not a JSON POST", async () => {
    assert.deepEqual(
      await readNodeBody(nodeRequest([], { method: "GET" }), 10),
      { kind: "unread" },
    );
    assert.deepEqual(
      await readNodeBody(
        nodeRequest(["{}"], { headers: { "content-type": "text/plain" } }),
        10,
      ),
      { kind: "unread" },
    );
  });

  it("refuses a stream already read without a parsed body", async () => {
    await assert.rejects(
      readNodeBody(nodeRequest([], { readableEnded: true }), 10),
      /already read/,
    );
  });
});

describe("a body the client stops sending mid-way", () => {
  const failing = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('{"jsonrpc"'));
        controller.error(new Error("aborted"));
      },
    });

  it("reads as unreadable from a Web Request, streamed or of declared length", async () => {
    for (
      const headers of [JSON_HEADERS, {
        ...JSON_HEADERS,
        "content-length": "100",
      }]
    ) {
      const request = new Request(URL_, {
        method: "POST",
        headers,
        body: failing(),
        duplex: "half",
      } as RequestInit);
      assert.deepEqual(await readRequestBody(request, 1024), {
        kind: "unreadable",
      });
    }
  });

  it("reads as unreadable from a Node request whose stream fails", async () => {
    const req: NodeRequestLike = {
      method: "POST",
      headers: JSON_HEADERS,
      async *[Symbol.asyncIterator]() {
        yield encoder.encode('{"jsonrpc"');
        throw Object.assign(new Error("aborted"), { code: "ECONNRESET" });
      },
    };
    assert.deepEqual(await readNodeBody(req, 1024), { kind: "unreadable" });
  });
});
