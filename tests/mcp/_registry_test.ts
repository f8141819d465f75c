// The guard's index (src/mcp/_registry.ts), with the SDK's real handles:
// lookups by name and URI, renames and removals kept in step with the SDK,
// and resource URIs resolved in the SDK's order.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/server";
import type { Component } from "../../mod.ts";
import {
  ComponentRegistry,
  type Entry,
  type Handle,
  inSdkOrder,
  type TemplateHandle,
  variablesOf,
} from "../../src/mcp/_registry.ts";

const text = () => ({ content: [{ type: "text" as const, text: "x" }] });
const read = (uri: URL) => ({ contents: [{ uri: uri.href, text: "x" }] });

function entry<H extends Handle>(
  component: Component,
  handle: unknown,
): Entry<H> {
  return { component: Object.freeze(component), handle: handle as H };
}

function fixture() {
  const server = new McpServer({ name: "x", version: "1.0.0" });
  const registry = new ComponentRegistry();
  const tool = entry(
    { kind: "tool", name: "t" },
    server.registerTool("t", {}, text),
  );
  registry.addTool("t", tool);
  const prompt = entry(
    { kind: "prompt", name: "p" },
    server.registerPrompt("p", {}, () => ({ messages: [] })),
  );
  registry.addPrompt("p", prompt);
  const resource = entry(
    { kind: "resource", name: "r", uri: "file:///docs/readme" },
    server.registerResource("r", "file:///docs/readme", {}, read),
  );
  registry.addResource("file:///docs/readme", resource);
  const template = entry<TemplateHandle>(
    { kind: "resourceTemplate", name: "docs", uri: "file:///docs/{name}" },
    server.registerResource(
      "docs",
      new ResourceTemplate("file:///docs/{name}", { list: undefined }),
      {},
      read,
    ),
  );
  registry.addTemplate("docs", template);
  return { registry, tool, prompt, resource, template };
}

describe("ComponentRegistry", () => {
  it("finds tools, prompts and templates by name, nothing else", () => {
    const { registry, tool, prompt, template } = fixture();
    assert.equal(registry.tool("t"), tool);
    assert.equal(registry.prompt("p"), prompt);
    assert.equal(registry.template("docs"), template);
    assert.equal(registry.tool("p"), undefined);
    assert.equal(registry.prompt("t"), undefined);
    for (const name of [undefined, null, 7, { toString: () => "t" }]) {
      assert.equal(registry.tool(name), undefined);
    }
  });

  it("follows a rename, and the renamed component carries the new name", () => {
    const { registry, tool, resource } = fixture();
    tool.handle.update({ name: "renamed" });
    assert.equal(registry.tool("t"), undefined);
    assert.equal(registry.tool("renamed"), tool);
    assert.equal(tool.component.name, "renamed");
    assert.ok(Object.isFrozen(tool.component));
    resource.handle.update({ uri: "file:///docs/moved" });
    assert.equal(registry.resolve("file:///docs/moved").entry, resource);
    assert.equal(resource.component.uri, "file:///docs/moved");
    // A resource renamed keeps its URI, and its checks see the new name.
    resource.handle.update({ name: "moved" });
    assert.equal(registry.resolve("file:///docs/moved").entry, resource);
    assert.equal(resource.component.name, "moved");
    assert.ok(Object.isFrozen(resource.component));
    // The old URI now falls through to the template, as in the SDK.
    assert.equal(
      registry.resolve("file:///docs/readme").entry?.component.name,
      "docs",
    );
  });

  it("forgets a removed component, and an update that renames nothing keeps it", () => {
    const { registry, tool, prompt } = fixture();
    prompt.handle.update({ description: "still here" });
    assert.equal(registry.prompt("p"), prompt);
    tool.handle.remove();
    assert.equal(registry.tool("t"), undefined);
  });

  it("resolves a URI to its resource first, then to the first matching template", () => {
    const { registry, resource, template } = fixture();
    assert.deepEqual(registry.resolve("file:///docs/readme"), {
      entry: resource,
      args: undefined,
    });
    assert.deepEqual(registry.resolve("file:///docs/guide"), {
      entry: template,
      args: { name: "guide" },
    });
    for (const uri of ["file:///other/x", "not a url", 42, undefined]) {
      assert.deepEqual(registry.resolve(uri), {
        entry: undefined,
        args: undefined,
      });
    }
  });

  it("tries templates in the SDKs' order as it is after each registration, rename and removal", () => {
    const server = new McpServer({ name: "x", version: "1.0.0" });
    const registry = new ComponentRegistry();
    const add = (name: string) => {
      const added = entry<TemplateHandle>(
        { kind: "resourceTemplate", name, uri: "file:///{path}" },
        server.registerResource(
          name,
          new ResourceTemplate("file:///{path}", { list: undefined }),
          {},
          read,
        ),
      );
      registry.addTemplate(name, added);
      return added;
    };
    const first = add("docs");
    assert.equal(registry.resolve("file:///a").entry, first);
    // Read once already: a later "0" still goes first, as in the SDK.
    const zero = add("0");
    assert.equal(registry.resolve("file:///a").entry, zero);
    zero.handle.update({ name: "z" });
    assert.equal(registry.resolve("file:///a").entry, first);
    first.handle.update({ name: "1" });
    assert.equal(registry.resolve("file:///a").entry, first);
    first.handle.remove();
    assert.equal(registry.resolve("file:///a").entry, zero);
    assert.equal(registry.completionTarget("file:///{path}"), zero);
  });

  it("names a completion target by the template's URI template to the letter", () => {
    const { registry, resource, template } = fixture();
    assert.equal(registry.completionTarget("file:///docs/{name}"), template);
    assert.equal(registry.completionTarget("file:///docs/readme"), resource);
    assert.equal(registry.completionTarget("file:///docs/guide"), undefined);
    assert.equal(registry.completionTarget(undefined), undefined);
  });
});

describe("variablesOf()", () => {
  it("answers undefined for no handle, a non-string URI, or a matcher that throws", () => {
    const throwing = {
      resourceTemplate: {
        uriTemplate: {
          match() {
            throw new Error("boom");
          },
        },
      },
    } as unknown as TemplateHandle;
    assert.equal(variablesOf(undefined, "file:///x"), undefined);
    assert.equal(variablesOf(throwing, 7), undefined);
    assert.equal(variablesOf(throwing, "file:///x"), undefined);
  });
});

describe("inSdkOrder", () => {
  it("orders as the SDKs' plain object lists its keys: array indices ascending, then insertion order", () => {
    const keys = [
      "files",
      "10",
      "b",
      "2",
      "01",
      "-1",
      "4294967295",
      "0",
      "1.5",
    ];
    const map = new Map(keys.map((key) => [key, { key }]));
    assert.deepEqual(inSdkOrder(map).map((entry) => entry.key), [
      "0",
      "2",
      "10",
      "files",
      "b",
      "01",
      "-1",
      "4294967295",
      "1.5",
    ]);
    assert.deepEqual(inSdkOrder(undefined), []);
  });

  it("treats __proto__ as the runtime's plain objects do", () => {
    const map = new Map([["__proto__", { key: "p" }], ["a", { key: "a" }]]);
    const object: Record<string, { key: string }> = {};
    for (const [key, entry] of map) object[key] = entry;
    assert.deepEqual(inSdkOrder(map), Object.values(object));
  });
});
