import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { normalizeHtu } from "../../mod.ts";
import { sameHttpUri } from "../../src/dpop/htu.ts";

describe("normalizeHtu", () => {
  it("uppercases escapes of reserved characters and decodes unreserved ones", () => {
    assert.equal(
      normalizeHtu("https://a.example/%2f%7E%41"),
      "https://a.example/%2F~A",
    );
  });

  it("ignores any query and fragment (property)", () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: false, withFragments: false }),
        fc.string(),
        fc.string(),
        (url, query, fragment) => {
          const base = normalizeHtu(url);
          fc.pre(base !== undefined);
          assert.equal(
            normalizeHtu(`${url}?${encodeURI(query)}#${encodeURI(fragment)}`),
            base,
          );
        },
      ),
    );
  });

  it("is idempotent (property)", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true }), (url) => {
        const once = normalizeHtu(url);
        fc.pre(once !== undefined);
        assert.equal(normalizeHtu(once), once);
      }),
    );
  });

  it("refuses URIs that are not absolute http(s)", () => {
    for (const uri of ["mailto:a@b", "/relative", "", "ws://a.example/"]) {
      assert.equal(normalizeHtu(uri), undefined);
    }
  });
});

describe("sameHttpUri", () => {
  it("matches a proof's htu against the request URL after normalization", () => {
    assert.equal(
      sameHttpUri(
        "HTTPS://MCP.example.com:443/mcp",
        "https://mcp.example.com/mcp?x=1",
      ),
      true,
    );
    assert.equal(
      sameHttpUri(
        "https://mcp.example.com/other",
        "https://mcp.example.com/mcp",
      ),
      false,
    );
  });

  it("refuses an htu that is not a string, and a request URL that is not http(s)", () => {
    assert.equal(sameHttpUri(42, "https://mcp.example.com/mcp"), false);
    assert.equal(sameHttpUri(undefined, "https://mcp.example.com/mcp"), false);
    assert.equal(sameHttpUri("ftp://a.example/", "ftp://a.example/"), false);
  });
});
