import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AuthContext } from "../mod.ts";

describe("AuthContext", () => {
  it("exposes the component as tool only when it is a tool", () => {
    const tool = new AuthContext({ component: { kind: "tool", name: "t" } });
    const prompt = new AuthContext({
      component: { kind: "prompt", name: "p" },
    });
    assert.equal(tool.tool?.name, "t");
    assert.equal(prompt.tool, undefined);
  });
});
