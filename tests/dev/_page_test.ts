// src/dev/_page.ts: the HTML pages: escaped, no script, unframeable.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml } from "../../src/dev/_page.ts";
import {
  authorize,
  codeRequest,
  devServer,
  register,
  RESOURCE,
  send,
} from "./_flow.ts";

describe("dev server pages", () => {
  it("shows the client, scopes and resource, unframeable", async () => {
    const dev = await devServer({ approval: "page" });
    const client = await register(dev, { client_name: "My <script>" });
    const { params } = await codeRequest(client, { scope: "read write" });
    const response = await authorize(dev, params);
    assert.equal(response.status, 200);
    assert.match(
      response.headers.get("content-security-policy")!,
      /frame-ancestors 'none'/,
    );
    assert.equal(response.headers.get("x-frame-options"), "DENY");
    const html = await response.text();
    assert.ok(!html.includes("<script>"));
    assert.match(html, /My &#60;script&#62;/);
    assert.match(html, /<li>read<\/li><li>write<\/li>/);
    assert.ok(html.includes(RESOURCE));
    assert.match(html, /Development authorization server/);
  });

  it("escapes every character that could end an element or attribute", () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      "&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;",
    );
  });

  it("serves the documentation page with the same protections", async () => {
    const dev = await devServer();
    const response = await send(dev, "/oauth/docs");
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^text\/html/);
    assert.match(
      response.headers.get("content-security-policy")!,
      /default-src 'none'/,
    );
    assert.equal(response.headers.get("referrer-policy"), "no-referrer");
    assert.match(
      await response.text(),
      /Issuer: <code>http:\/\/127\.0\.0\.1:9\/oauth<\/code>/,
    );
  });
});
