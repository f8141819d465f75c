// Shared fixtures for the core tests.
import {
  type AccessToken,
  AuthContext,
  type Component,
  type ScopeHierarchy,
} from "../mod.ts";

/** A token holding `scopes`. */
export function token(
  scopes: string[],
  claims: Record<string, unknown> = {},
): AccessToken {
  return { token: "opaque", clientId: "client", scopes, claims };
}

/** A tool component. */
export function tool(name: string, extra: Partial<Component> = {}): Component {
  return { kind: "tool", name, ...extra };
}

/** A context for `component` seen by a token holding `scopes` (or none). */
export function ctxFor(
  scopes: string[] | undefined,
  component: Component = tool("t"),
  scopeHierarchy?: ScopeHierarchy,
): AuthContext {
  return new AuthContext({
    token: scopes === undefined ? undefined : token(scopes),
    component,
    scopeHierarchy,
  });
}

/** An onError that records what it is given. */
export function recorder(): {
  errors: unknown[];
  onError: (error: unknown) => void;
} {
  const errors: unknown[] = [];
  return { errors, onError: (error) => errors.push(error) };
}
