// The approval page in a real headless browser, as a person would click it:
// the demo started as `deno task demo` starts it, with APPROVAL=page, and the
// SDK v2 Client logging in; the browser opens the authorization URL, the
// test reads the page and clicks Approve (then, once, Deny).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { needs, requireService } from "../_services.ts";
import { serve, type Served } from "../_serve.ts";
import { HeadlessProvider, type Opener } from "./_headless.ts";
import { type DemoProcess, startDemoTask } from "./_demo_process.ts";

const skip = (typeof Deno === "undefined" && "spawns the demo with Deno") ||
  needs("chromium");
const STEP_TIMEOUT_MS = 15_000;

// What the page script reads, typed here (this project has no DOM types).
interface Text {
  textContent: string | null;
}
declare const document: {
  title: string;
  querySelector(selector: string): Text | null;
  querySelectorAll(selector: string): Iterable<Text>;
};

// A closed network: no first-run, sync, component or background traffic.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

describe("the approval page, in headless Chromium", () => {
  let demo: DemoProcess | undefined;
  let browser: Browser | undefined;
  let profile: string | undefined;
  let callback: Served | undefined;
  // The redirect URI's server: it answers the browser and hands on the URL.
  let arrived: (url: URL) => void = () => {};

  before(async () => {
    if (skip) return;
    profile = await mkdtemp(join(tmpdir(), "mcp-authz-chromium-"));
    demo = await startDemoTask({ APPROVAL: "page" });
    callback = await serve((request) => {
      arrived(new URL(request.url));
      return new Response("Signed in: you may close this page.");
    });
    browser = await puppeteer.launch({
      executablePath: requireService("chromium"),
      headless: false, // CHROMIUM_FLAGS has --headless
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`],
      timeout: STEP_TIMEOUT_MS,
    });
  });
  after(async () => {
    await browser?.close();
    await callback?.close();
    await demo?.stop();
    if (profile !== undefined) {
      await rm(profile, { recursive: true, force: true });
    }
  });

  /** Opens the authorization URL, checks the page, clicks `button`. */
  const clicking = (
    button: "#approve" | "#deny",
    seen: Record<string, string>[],
  ): Opener =>
  async (url) => {
    const page = await browser!.newPage();
    try {
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      const back = new Promise<URL>((resolve) => arrived = resolve);
      const response = await page.goto(url.href);
      assert.equal(response?.status(), 200);
      seen.push(
        await page.evaluate(() => ({
          title: document.title,
          client: document.querySelector("#client-name")?.textContent ?? "",
          scopes: [...document.querySelectorAll("#scopes li")]
            .map((li) => li.textContent).join(" "),
          resource: document.querySelector("#resource")?.textContent ?? "",
          banner: document.querySelector(".dev")?.textContent ?? "",
        })),
      );
      await page.click(button);
      const landed = await back;
      return landed;
    } finally {
      await page.close();
    }
  };

  it("approves a login with a click, then denies one", { skip }, async () => {
    const seen: Record<string, string>[] = [];
    const redirectUri = `${callback!.origin}/callback`;
    const provider = new HeadlessProvider({
      redirectUri,
      open: clicking("#approve", seen),
    });
    const mcpUrl = demo!.mcpUrl;
    const client = new Client({ name: "browser-test", version: "1.0.0" });
    const first = new StreamableHTTPClientTransport(mcpUrl, {
      authProvider: provider,
    });
    await assert.rejects(client.connect(first), UnauthorizedError);
    assert.deepEqual(seen, [{
      title: "Authorize access",
      client: "mcp-authz test client",
      scopes: "read",
      resource: mcpUrl.href,
      banner:
        "Development authorization server: for local development and tests only. It is not a real identity provider.",
    }]);
    await first.finishAuth(provider.take());
    const transport = new StreamableHTTPClientTransport(mcpUrl, {
      authProvider: provider,
    });
    await client.connect(transport);
    try {
      const tools = await client.listTools();
      assert.deepEqual(tools.tools.map((t) => t.name), [
        "list_notes",
        "whoami",
      ]);
    } finally {
      await client.close();
    }

    // A person who clicks Deny: the client gets access_denied, no code.
    const denied = await clicking("#deny", seen)(
      provider.authorizations[0]!,
      redirectUri,
    );
    assert.equal(denied.searchParams.get("error"), "access_denied");
    assert.equal(denied.searchParams.get("code"), null);
    assert.equal(
      denied.searchParams.get("state"),
      provider.authorizations[0]!.searchParams.get("state"),
    );
  });
});
