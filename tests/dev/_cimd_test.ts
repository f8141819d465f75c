// src/dev/_cimd.ts: clients named by a Client ID Metadata Document URL,
// fetched with fetchJson (timeout, no redirect, bounded, JSON served as
// such) and kept a minute.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { isMetadataDocumentUrl } from "../../src/dev/_cimd.ts";
import {
  authorize,
  codeRequest,
  devServer,
  exchange,
  getCode,
  REDIRECT,
} from "./_flow.ts";

describe("dev server Client ID Metadata Documents", () => {
  const CLIENT_ID = "https://client.example/oauth/metadata.json";
  const document = {
    client_id: CLIENT_ID,
    client_name: "Example <b>IDE</b>",
    redirect_uris: [REDIRECT],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: "none",
  };
  const serving = (body: unknown, init: ResponseInit = {}) => {
    const calls: string[] = [];
    const fetch = (input: string | URL | Request, options?: RequestInit) => {
      calls.push(String(input));
      assert.equal(options?.redirect, "manual");
      return Promise.resolve(
        new Response(typeof body === "string" ? body : JSON.stringify(body), {
          headers: { "Content-Type": "application/json" },
          ...init,
        }),
      );
    };
    return { fetch: fetch as typeof globalThis.fetch, calls };
  };

  it("fetches the document once, and the client logs in with its URL", async () => {
    const { fetch, calls } = serving(document);
    const dev = await devServer({ fetch });
    const client = { client_id: CLIENT_ID };
    const { code, verifier } = await getCode(dev, client);
    const body = await (await exchange(dev, client, code, verifier)).json();
    assert.equal(decodeJwt(body.access_token).client_id, CLIENT_ID);
    assert.deepEqual(calls, [CLIENT_ID]);
  });

  it("shows the document's name, escaped, on the approval page", async () => {
    const { fetch } = serving(document);
    const dev = await devServer({ fetch, approval: "page" });
    const { params } = await codeRequest({ client_id: CLIENT_ID });
    const page = await (await authorize(dev, params)).text();
    assert.match(page, /Example &#60;b&#62;IDE&#60;\/b&#62;/);
    assert.match(page, /client metadata document/);
  });

  for (
    const [label, body, init, pattern] of [
      [
        "a document naming another client_id",
        {
          ...document,
          client_id: "https://client.example/other",
        },
        {},
        /client_id that is not its own URL/,
      ],
      [
        "a document with a secret",
        {
          ...document,
          client_secret: "s",
        },
        {},
        /client_secret/,
      ],
      ["a redirect", "", {
        status: 302,
        headers: { Location: "https://x.example/" },
      }, /HTTP 302/],
      ["an error status", "", { status: 404 }, /HTTP 404/],
      ["a document that is not JSON", "<html>", {}, /not JSON/],
      ["a document served as HTML", document, {
        headers: { "Content-Type": "text/html" },
      }, /application\/json/],
      [
        "a document too large",
        { ...document, padding: "x".repeat(20_000) },
        {},
        /larger than/,
      ],
      [
        "a document with an http redirect URI to another host",
        {
          ...document,
          redirect_uris: ["http://evil.example/cb"],
        },
        {},
        /not loopback/,
      ],
    ] as const
  ) {
    it(`refuses ${label}`, async () => {
      const { fetch } = serving(body, init as ResponseInit);
      const dev = await devServer({ fetch });
      const { params } = await codeRequest({ client_id: CLIENT_ID });
      const response = await authorize(dev, params);
      assert.equal(response.status, 400);
      assert.equal(response.headers.get("location"), null);
      assert.match(await response.text(), pattern);
    });
  }

  it("gives up on a document that does not arrive in time", async () => {
    const fetch = (_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener(
          "abort",
          () => reject(init.signal!.reason),
        );
      });
    const dev = await devServer({
      fetch: fetch as typeof globalThis.fetch,
      clientMetadataTimeout: 20,
    });
    const { params } = await codeRequest({ client_id: CLIENT_ID });
    const response = await authorize(dev, params);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /timed out/);
  });

  it("does not fetch a client_id that is http on a public host, or has no path", async () => {
    const { fetch, calls } = serving(document);
    const dev = await devServer({ fetch });
    for (
      const id of ["http://client.example/meta.json", "https://client.example/"]
    ) {
      const { params } = await codeRequest({ client_id: id });
      const response = await authorize(dev, params);
      assert.equal(response.status, 400);
      assert.match(await response.text(), /Unknown client_id/);
    }
    assert.deepEqual(calls, []);
  });

  it("calls the fetch it is given without a receiver, and keeps the document a minute", async () => {
    let now = 1_000_000;
    const receivers: unknown[] = [];
    const dev = await devServer({
      now: () => now,
      fetch: function (this: unknown) {
        receivers.push(this);
        return Promise.resolve(Response.json(document));
      } as typeof globalThis.fetch,
    });
    const login = async () => {
      const { params } = await codeRequest({ client_id: CLIENT_ID });
      assert.equal((await authorize(dev, params)).status, 302);
    };
    await login();
    await login();
    assert.equal(receivers.length, 1);
    now += 61_000;
    await login();
    assert.equal(receivers.length, 2);
    assert.ok(receivers.every((receiver) => receiver === undefined));
  });

  it("refuses a document that is not UTF-8", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(document));
    // An invalid byte inside the client_id's string.
    const broken = new Uint8Array([
      ...bytes.subarray(0, 20),
      0xff,
      ...bytes.subarray(20),
    ]);
    const dev = await devServer({
      fetch: () =>
        Promise.resolve(
          new Response(broken, {
            headers: { "Content-Type": "application/json" },
          }),
        ),
    });
    const { params } = await codeRequest({ client_id: CLIENT_ID });
    const response = await authorize(dev, params);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /could not be read/);
  });
});

describe("isMetadataDocumentUrl", () => {
  for (
    const [id, expected] of [
      ["https://client.example/oauth/metadata.json", true],
      ["http://127.0.0.1:3000/client.json", true],
      ["http://localhost/client.json", true],
      ["https://client.example/", false],
      ["https://client.example", false],
      ["http://client.example/meta.json", false],
      ["http://127.0.0.2/meta.json", false],
      ["https://client.example/a/../meta.json", false],
      ["https://client.example/a/./meta.json", false],
      ["https://client.example/meta.json#x", false],
      ["https://u:p@client.example/meta.json", false],
      ["https://client.example/meta json", false],
      ["ftp://client.example/meta.json", false],
      ["dev-abc", false],
    ] as const
  ) {
    it(`${expected ? "takes" : "does not take"} ${id}`, () => {
      assert.equal(isMetadataDocumentUrl(id), expected);
    });
  }
});
