/**
 * What `authzenCheck` does with a context: build the request (declared
 * mapping, mapping functions or the COAZ-MCP default), verify its subject,
 * answer from the cache or the PDP, and say why when there is no decision.
 * Internal.
 *
 * @module
 */

import { reportSafely } from "../_internal/report.ts";
import type { AuthCheck, AuthContext } from "../core/context.ts";
import { carriedReporter, type ErrorReporter } from "../core/_evaluate.ts";
import { AuthorizationUnavailableError } from "../errors.ts";
import { type Outcome, PdpError } from "./_client.ts";
import {
  actionOf,
  contextOf,
  defaultAction,
  defaultContext,
  defaultResource,
  defaultSubject,
  entityOf,
  type Evaluation,
  MappingError,
  NoSubjectError,
  serialize,
  verifySubject,
} from "./_mapping.ts";
import type { AuthzenConfig } from "./_options.ts";
import { lookup } from "./mappings.ts";

/** The evaluations of one decision and their cache keys. */
interface Built {
  evaluations: Evaluation[];
  keys: string[];
}

/** Decides contexts for one `authzenCheck`. */
export class Decider {
  #config: AuthzenConfig;
  /** The check, as named in reports. */
  #check: AuthCheck;

  /** A decider for `config`, reporting as `check`. */
  constructor(config: AuthzenConfig, check: AuthCheck) {
    this.#config = config;
    this.#check = check;
  }

  /** The evaluations of one decision: one, or several for an `evaluations` mapping. */
  async #build(ctx: AuthContext): Promise<Built> {
    const { subject, action, resource, context, claim, mappings } =
      this.#config;
    const declared = ctx.component.kind === "tool"
      ? mappings?.[lookup](ctx.component.name)
      : undefined;
    let evaluations: Evaluation[];
    if (declared !== undefined) {
      evaluations = declared.evaluations(ctx, claim);
    } else {
      const evaluation: Evaluation = {
        subject: entityOf(
          subject === undefined
            ? defaultSubject(ctx, claim as string)
            : await subject(ctx),
          "subject",
        ),
        action: actionOf(
          action === undefined ? defaultAction(ctx) : await action(ctx),
        ),
        resource: entityOf(
          resource === undefined ? defaultResource(ctx) : await resource(ctx),
          "resource",
        ),
      };
      const extra = contextOf(
        context === undefined ? defaultContext(ctx) : await context(ctx),
      );
      if (extra !== undefined) evaluation.context = extra;
      evaluations = [evaluation];
    }
    for (const evaluation of evaluations) verifySubject(evaluation, ctx, claim);
    return { evaluations, keys: evaluations.map(serialize) };
  }

  /** The request of `ctx`, or `undefined` (denied) when it cannot be built. */
  #buildOrReport(
    ctx: AuthContext,
    report: ErrorReporter,
  ): Promise<Built | undefined> {
    return this.#build(ctx).catch((error: unknown) => {
      // No token is an ordinary denial; anything else is worth a log line.
      if (!(error instanceof NoSubjectError)) {
        reportSafely(
          report,
          error instanceof MappingError
            ? error
            : new MappingError("a mapping function threw", { cause: error }),
          this.#check,
        );
      }
      return undefined;
    });
  }

  /** An outcome per distinct evaluation: from the cache, else from the PDP. */
  async #outcomes(
    built: readonly (Built | undefined)[],
  ): Promise<Map<string, Outcome>> {
    const { cache, client } = this.#config;
    const outcomes = new Map<string, Outcome>();
    const missing: Evaluation[] = [];
    const missingKeys: string[] = [];
    for (const entry of built) {
      entry?.keys.forEach((key, i) => {
        if (outcomes.has(key)) return;
        const cached = cache?.get(key);
        // A placeholder until the PDP answers; never read as a decision.
        outcomes.set(key, cached ?? false);
        if (cached !== undefined) return;
        missing.push(entry.evaluations[i]!);
        missingKeys.push(key);
      });
    }
    if (missing.length === 0) return outcomes;
    const answers: Outcome[] = missing.length === 1
      ? [
        await client.evaluate(missing[0]!).catch((error: unknown) =>
          error instanceof PdpError
            ? error
            : new PdpError("AuthZEN PDP request failed", { cause: error })
        ),
      ]
      : await client.evaluateAll(missing);
    answers.forEach((answer, i) => {
      const key = missingKeys[i]!;
      outcomes.set(key, answer);
      // Decisions only: a failure is never remembered.
      if (typeof answer === "boolean") cache?.set(key, answer);
    });
    return outcomes;
  }

  /** All of a context's outcomes together: every one must allow; a deny beats a failure. */
  static #settle(
    entry: Built | undefined,
    outcomes: ReadonlyMap<string, Outcome>,
  ): Outcome {
    if (entry === undefined) return false;
    let failure: PdpError | undefined;
    for (const key of entry.keys) {
      const outcome = outcomes.get(key);
      if (outcome === false || outcome === undefined) return false;
      if (outcome instanceof PdpError) failure ??= outcome;
    }
    return failure ?? true;
  }

  /**
   * One decision (a call, a read, a get). No decision from the PDP throws
   * `AuthorizationUnavailableError`, after reporting why.
   */
  async one(ctx: AuthContext): Promise<boolean> {
    const report = carriedReporter(ctx);
    const built = await this.#buildOrReport(ctx, report);
    if (built === undefined) return false;
    const outcome = Decider.#settle(built, await this.#outcomes([built]));
    if (outcome instanceof PdpError) {
      reportSafely(report, outcome, this.#check);
      throw new AuthorizationUnavailableError(undefined, { cause: outcome });
    }
    return outcome;
  }

  /**
   * A list's decisions, in one PDP round trip (per `batchSize`). A context
   * without a decision is denied; why is reported once for the list.
   */
  async many(contexts: readonly AuthContext[]): Promise<boolean[]> {
    if (contexts.length === 0) return [];
    const report = carriedReporter(contexts[0]!);
    const built = await Promise.all(
      contexts.map((ctx) => this.#buildOrReport(ctx, report)),
    );
    const outcomes = await this.#outcomes(built);
    let failure: PdpError | undefined;
    const decisions = built.map((entry) => {
      const outcome = Decider.#settle(entry, outcomes);
      if (outcome instanceof PdpError) {
        failure ??= outcome;
        return false;
      }
      return outcome;
    });
    // One line per list, not one per hidden component.
    if (failure !== undefined) reportSafely(report, failure, this.#check);
    return decisions;
  }
}
