// src/dev/_approval.ts: approval: "page": a request kept as a transaction,
// answered once, approved with a 303 carrying the code or denied.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  authorize,
  codeRequest,
  devServer,
  exchange,
  form,
  redirected,
  register,
  send,
} from "./_flow.ts";

describe("dev server approval page step", () => {
  function transaction(html: string): string {
    const match = /name="transaction" value="([^"]+)"/.exec(html);
    assert.ok(match !== null);
    return match[1]!;
  }

  it("approves once with a 303 carrying the code, then forgets the request", async () => {
    const dev = await devServer({ approval: "page" });
    const client = await register(dev);
    const { params, verifier } = await codeRequest(client);
    const id = transaction(await (await authorize(dev, params)).text());
    const approved = await send(
      dev,
      "/oauth/authorize",
      form({
        transaction: id,
        decision: "approve",
      }),
    );
    assert.equal(approved.status, 303);
    const back = redirected(approved);
    assert.equal(back.get("state"), "st-1");
    const token = await exchange(dev, client, back.get("code")!, verifier);
    assert.equal(token.status, 200);
    const again = await send(
      dev,
      "/oauth/authorize",
      form({
        transaction: id,
        decision: "approve",
      }),
    );
    assert.equal(again.status, 400);
    assert.equal(again.headers.get("location"), null);
  });

  it("denies with access_denied and the state", async () => {
    const dev = await devServer({ approval: "page" });
    const client = await register(dev);
    const { params } = await codeRequest(client);
    const id = transaction(await (await authorize(dev, params)).text());
    const back = redirected(
      await send(
        dev,
        "/oauth/authorize",
        form({ transaction: id, decision: "deny" }),
      ),
    );
    assert.equal(back.get("error"), "access_denied");
    assert.equal(back.get("state"), "st-1");
    assert.equal(back.get("code"), null);
  });

  it("refuses an unknown transaction", async () => {
    const dev = await devServer({ approval: "page" });
    const response = await send(
      dev,
      "/oauth/authorize",
      form({
        transaction: "made-up",
        decision: "approve",
      }),
    );
    assert.equal(response.status, 400);
    assert.match(await response.text(), /expired or was already answered/);
  });

  it("forgets a transaction after ten minutes", async () => {
    let now = 1_000_000;
    const dev = await devServer({ approval: "page", now: () => now });
    const client = await register(dev);
    const { params } = await codeRequest(client);
    const id = transaction(await (await authorize(dev, params)).text());
    now += 10 * 60_000 + 1;
    const late = await send(
      dev,
      "/oauth/authorize",
      form({ transaction: id, decision: "approve" }),
    );
    assert.equal(late.status, 400);
    assert.match(await late.text(), /expired or was already answered/);
  });
});
