import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  findRedisServer,
  redisArgs,
  redisMissing,
} from "../../../stress/cluster/redis.ts";

describe("redis-server", () => {
  it("runs on 127.0.0.1 only, with every write fsynced before it is acknowledged", () => {
    const args = redisArgs(6400, "/tmp/x");
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    assert.equal(value("--bind"), "127.0.0.1");
    assert.equal(value("--port"), "6400");
    assert.equal(value("--protected-mode"), "yes");
    assert.equal(value("--appendonly"), "yes");
    assert.equal(value("--appendfsync"), "always");
    assert.equal(value("--dir"), "/tmp/x");
    assert.equal(value("--save"), "", "no snapshots: the log is the state");
  });

  it("says how to install it when it is missing", () => {
    const message = redisMissing("redis-x");
    assert.match(message, /"redis-x" cannot be run/);
    assert.match(message, /apt-get install -y redis-server/);
    assert.match(message, /REDIS_SERVER/);
  });

  it("findRedisServer() is undefined for a binary that cannot run", {
    skip: typeof Deno === "undefined" && "needs Deno.Command",
  }, async () => {
    assert.equal(
      await findRedisServer("/nonexistent/redis-server"),
      undefined,
    );
  });
});
