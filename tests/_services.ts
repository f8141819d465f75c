// Which external services (Redis, a browser ...) this run has. A test that
// needs one is skipped, visibly and by name, when the service is absent, but
// under CI (MCP_AUTHZ_REQUIRE_SERVICES=1, set by .ci/run) it runs and fails:
// a service that did not start must not pass as skipped tests.
import { existsSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

/**
 * The environment variable that carries each service's address. `cerbos` is
 * the path of the Cerbos PDP binary, which the tests start themselves.
 */
export const SERVICE_VARIABLES = {
  chromium: "MCP_AUTHZ_CHROMIUM",
  redis: "MCP_AUTHZ_REDIS_URL",
  cerbos: "MCP_AUTHZ_CERBOS_BIN",
} as const satisfies Record<string, string>;

/** Every service a test may need, by name. */
export type ServiceName = keyof typeof SERVICE_VARIABLES;

/**
 * Where a service is when its variable is unset: the Cerbos binary npm
 * installed (tests/deno.json maps @cerbos/cerbos-linux-x64).
 */
const SERVICE_DEFAULTS: Partial<Record<ServiceName, () => string | undefined>> =
  {
    cerbos() {
      if (process.platform !== "linux" || process.arch !== "x64") return;
      const path = fileURLToPath(
        new URL(
          "../node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64",
          import.meta.url,
        ),
      );
      return existsSync(path) ? path : undefined;
    },
  };

/** The address of a service (its variable's value), or `undefined`. */
export function serviceAddress(name: ServiceName): string | undefined {
  const value = process.env[SERVICE_VARIABLES[name]];
  if (value !== undefined && value !== "") return value;
  return SERVICE_DEFAULTS[name]?.();
}

/**
 * A `skip` option for `it`: `false` when the service is there (or when CI
 * requires it, so the test fails loudly), else why the test is skipped.
 */
export function needs(name: ServiceName): false | string {
  if (serviceAddress(name) !== undefined) return false;
  if (process.env.MCP_AUTHZ_REQUIRE_SERVICES === "1") return false;
  return `needs ${name} (${SERVICE_VARIABLES[name]})`;
}

/**
 * The address of a service the test requires; throws (failing the test)
 * when it is absent.
 */
export function requireService(name: ServiceName): string {
  const address = serviceAddress(name);
  if (address === undefined) {
    throw new Error(
      `This test needs ${name}: set ${
        SERVICE_VARIABLES[name]
      } (.ci/run starts it)`,
    );
  }
  return address;
}
