// src/adapters/node_metadata.ts: the RFC 9728 document on node:http.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { protectedResourceMetadata } from "../../mod.ts";
import { protectedResourceMetadataRoute } from "../../src/adapters/mod_node.ts";

const OPTIONS = {
  resource: "https://mcp.example.com/mcp",
  authorizationServers: ["https://auth.example.com"],
  scopesSupported: ["read"],
};

describe("protectedResourceMetadataRoute (Node)", () => {
  it("serves at its well-known path what protectedResourceMetadata serves", async () => {
    const route = protectedResourceMetadataRoute(OPTIONS);
    assert.equal(route.path, "/.well-known/oauth-protected-resource/mcp");
    const server = createServer((req, res) => void route.handler(req, res));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const url = `http://127.0.0.1:${
      (server.address() as AddressInfo).port
    }${route.path}`;
    const web = protectedResourceMetadata(OPTIONS);
    try {
      for (
        const init of [
          {},
          {
            method: "OPTIONS",
            headers: {
              "access-control-request-headers": "mcp-protocol-version",
            },
          },
          { method: "POST", body: "x" },
        ] as RequestInit[]
      ) {
        const node = await fetch(url, init);
        const expected = web(new Request(url, init));
        assert.equal(node.status, expected.status);
        for (
          const name of [
            "content-type",
            "cache-control",
            "access-control-allow-origin",
            "access-control-allow-headers",
            "allow",
          ]
        ) {
          assert.equal(
            node.headers.get(name),
            expected.headers.get(name),
            name,
          );
        }
        assert.equal(await node.text(), await expected.text());
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("answers a request without a usable Host with a 400", async () => {
    const route = protectedResourceMetadataRoute(OPTIONS);
    let status = 0;
    await route.handler({ url: route.path, headers: {} }, {
      writeHead: (code) => void (status = code),
      end: () => {},
    });
    assert.equal(status, 400);
  });

  it("refuses bad options with a TypeError", () => {
    assert.throws(
      () => protectedResourceMetadataRoute({ resource: "not a url" } as never),
      TypeError,
    );
  });
});
