/**
 * The PEP side of the AuthZEN Authorization API 1.0 HTTPS binding: endpoint
 * discovery (§ "Policy Decision Point Metadata"), the Access Evaluation and
 * Access Evaluations requests (§ "Transport"), and strict reading of their
 * answers, every request through `fetchJson` (one timeout, no redirects, a
 * bounded body). Every failure is a {@linkcode PdpError} whose message names
 * what went wrong and never repeats what the PDP sent. Internal.
 *
 * @module
 */

import { FetchFailure, fetchJson } from "../_internal/fetch.ts";
import { isRecord } from "../_internal/options.ts";
import type { Evaluation } from "./_mapping.ts";

/** Why the PDP gave no decision. Its message is safe for logs. */
export class PdpError extends Error {
  /** The HTTP status the PDP answered, when that was the failure. */
  readonly status: number | undefined;

  /** A failure saying what went wrong, never what the PDP sent. */
  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super(
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "AuthzenPdpError";
    this.status = options?.status;
  }
}

/** Where the two evaluation APIs live. */
interface Endpoints {
  evaluation: string;
  /** `undefined`: the PDP has no Access Evaluations API. */
  evaluations: string | undefined;
  /** Whether the metadata named them (then their absence is meaningful). */
  discovered: boolean;
}

/** Settings of a {@linkcode PdpClient}, validated by the caller. */
export interface PdpClientSettings {
  /** The PDP identifier: absolute URL, no query, fragment or trailing slash. */
  readonly pdp: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly batchSize: number;
  readonly concurrency: number;
}

const METADATA_LIMIT = 64 * 1024;
const DECISION_LIMIT = 64 * 1024;
const DECISIONS_LIMIT = 4 * 1024 * 1024;

/** Statuses by which a PDP says it has no such endpoint. */
const NO_ENDPOINT = new Set([404, 405, 501]);

const onlyOk = (status: number) => status === 200;

/** RFC 8615: the well-known segment goes between the host and the path. */
function metadataUrl(pdp: string): string {
  const url = new URL(pdp);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.origin}/.well-known/authzen-configuration${path}`;
}

function stripSlash(value: string): string {
  return value.endsWith("/") ? value.slice(0, -1) : value;
}

/**
 * An endpoint named by the metadata: an absolute http(s) URL, https when the
 * PDP identifier is (no downgrade), without credentials.
 */
function endpointOf(value: unknown, pdp: string): string | undefined {
  if (typeof value !== "string" || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  const secure = new URL(pdp).protocol === "https:";
  if (url.protocol !== "https:" && (secure || url.protocol !== "http:")) {
    return undefined;
  }
  if (url.username !== "" || url.password !== "") return undefined;
  return url.href;
}

function defaults(pdp: string): Endpoints {
  return {
    evaluation: `${pdp}/access/v1/evaluation`,
    evaluations: `${pdp}/access/v1/evaluations`,
    discovered: false,
  };
}

/** Runs `tasks` with at most `limit` of them in flight. */
export async function pool<T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, worker),
  );
  return results;
}

/** The outcome of one evaluation in a batch: a decision, or why there is none. */
export type Outcome = boolean | PdpError;

/** A failure of `fetchJson` as a {@linkcode PdpError} that says why. */
function pdpErrorOf(error: unknown, timeoutMs: number): PdpError {
  if (error instanceof PdpError) return error;
  if (!(error instanceof FetchFailure)) {
    return new PdpError("AuthZEN PDP request failed", { cause: error });
  }
  if (error.timedOut) {
    return new PdpError(`AuthZEN PDP timed out after ${timeoutMs} ms`);
  }
  switch (error.reason) {
    case "unreachable":
      return new PdpError("AuthZEN PDP unreachable", { cause: error.cause });
    case "status":
      return new PdpError(`AuthZEN PDP answered HTTP ${error.status}`, {
        status: error.status!,
      });
    case "content-type":
    case "unreadable":
      // The cause may quote the body (a JSON SyntaxError): not kept.
      return new PdpError(
        "AuthZEN PDP answered with a body that is not JSON, or is too large",
      );
  }
}

/**
 * Talks to one PDP. Endpoints are discovered once (retried after a failure
 * that may be transient); whether the PDP has the batch API is learnt once.
 */
export class PdpClient {
  #settings: PdpClientSettings;
  #endpoints: Promise<Endpoints> | undefined;
  #noBatch = false;

  /** A client of the PDP `settings` names. */
  constructor(settings: PdpClientSettings) {
    this.#settings = settings;
  }

  /** `url`'s JSON through `fetchJson`, with the PDP's headers. */
  #request(url: string, body: unknown, maxBytes: number): Promise<unknown> {
    const headers = new Headers(this.#settings.headers as [string, string][]);
    headers.set("accept", "application/json");
    const init: RequestInit = { method: body === undefined ? "GET" : "POST" };
    if (body !== undefined) {
      headers.set("content-type", "application/json");
      init.body = JSON.stringify(body);
    }
    init.headers = headers;
    return fetchJson(this.#settings.fetch, url, init, {
      timeoutMs: this.#settings.timeoutMs,
      maxBytes,
      ok: onlyOk,
    });
  }

  /** The metadata's endpoints, or the defaults of the Transport section. */
  #discover(): Promise<Endpoints> {
    this.#endpoints ??= this.#loadMetadata().catch(() => {
      // Unreachable, slow or 5xx: the defaults now, and ask again next time.
      this.#endpoints = undefined;
      return defaults(this.#settings.pdp);
    });
    return this.#endpoints;
  }

  async #loadMetadata(): Promise<Endpoints> {
    const { pdp } = this.#settings;
    let metadata: unknown;
    try {
      metadata = await this.#request(
        metadataUrl(pdp),
        undefined,
        METADATA_LIMIT,
      );
    } catch (error) {
      // No metadata (404 ...) or an unreadable one: the defaults, for good.
      // A transient failure (5xx, 429, unreachable, slow) is retried.
      if (
        error instanceof FetchFailure && !error.timedOut &&
        (error.reason === "unreadable" ||
          (error.reason === "status" && error.status! < 500 &&
            error.status !== 429))
      ) {
        return defaults(pdp);
      }
      throw error;
    }
    // The identifier MUST match, else the document MUST NOT be used
    // (§ "Policy Decision Point Metadata Validation"): a mix-up defence.
    if (
      !isRecord(metadata) ||
      typeof metadata.policy_decision_point !== "string" ||
      stripSlash(metadata.policy_decision_point) !== pdp
    ) {
      return defaults(pdp);
    }
    const evaluation = endpointOf(metadata.access_evaluation_endpoint, pdp);
    if (evaluation === undefined) return defaults(pdp);
    return {
      evaluation,
      evaluations: endpointOf(metadata.access_evaluations_endpoint, pdp),
      discovered: true,
    };
  }

  /** POSTs `body` to `url`: the answer's JSON object, else a PdpError. */
  async #post(
    url: string,
    body: unknown,
    limit: number,
  ): Promise<Record<string, unknown>> {
    let json: unknown;
    try {
      json = await this.#request(url, body, limit);
    } catch (error) {
      throw pdpErrorOf(error, this.#settings.timeoutMs);
    }
    if (!isRecord(json)) {
      throw new PdpError(
        "AuthZEN PDP answered with JSON that is not an object",
      );
    }
    return json;
  }

  /**
   * One Access Evaluation. Resolves the PDP's decision; rejects with a
   * `PdpError` when there is none.
   */
  async evaluate(evaluation: Evaluation): Promise<boolean> {
    const { evaluation: url } = await this.#discover();
    const decision = (await this.#post(url, evaluation, DECISION_LIMIT))
      .decision;
    if (typeof decision !== "boolean") {
      throw new PdpError("AuthZEN PDP answered without a boolean decision");
    }
    return decision;
  }

  /**
   * Many evaluations: Access Evaluations requests of at most `batchSize`
   * entries, or single ones when the PDP has no batch API; at most
   * `concurrency` requests in flight. Resolves one outcome per evaluation,
   * never rejects.
   */
  async evaluateAll(evaluations: readonly Evaluation[]): Promise<Outcome[]> {
    const { batchSize, concurrency, timeoutMs } = this.#settings;
    const endpoints = await this.#discover();
    const outcomes: (Outcome | undefined)[] = new Array(evaluations.length);
    if (endpoints.evaluations !== undefined && !this.#noBatch) {
      const starts: number[] = [];
      for (let i = 0; i < evaluations.length; i += batchSize) starts.push(i);
      await pool(
        starts.map((start) => async () => {
          const chunk = evaluations.slice(start, start + batchSize);
          const answers = await this.#batch(chunk, endpoints);
          answers?.forEach((outcome, j) => outcomes[start + j] = outcome);
        }),
        concurrency,
      );
    }
    // What no batch answered (the PDP has no batch API): one by one.
    const rest = [...outcomes.keys()].filter((i) => outcomes[i] === undefined);
    await pool(
      rest.map((i) => async () => {
        outcomes[i] = await this.evaluate(evaluations[i]!).catch((
          error: unknown,
        ) => pdpErrorOf(error, timeoutMs));
      }),
      concurrency,
    );
    return outcomes as Outcome[];
  }

  /**
   * One Access Evaluations request: an outcome per evaluation, or
   * `undefined` when the PDP turns out to have no batch API.
   */
  async #batch(
    chunk: readonly Evaluation[],
    endpoints: Endpoints,
  ): Promise<Outcome[] | undefined> {
    try {
      const json = await this.#post(
        endpoints.evaluations!,
        batchBody(chunk),
        DECISIONS_LIMIT,
      );
      return decisionsOf(json, chunk);
    } catch (error) {
      // Only a PDP whose endpoints are guessed may turn out to lack it.
      if (
        !endpoints.discovered && error instanceof PdpError &&
        NO_ENDPOINT.has(error.status!)
      ) {
        this.#noBatch = true;
        return undefined;
      }
      const failure = pdpErrorOf(error, this.#settings.timeoutMs);
      return chunk.map(() => failure);
    }
  }
}

/**
 * An Access Evaluations body. A subject and a context shared by every entry
 * are sent once, as the top-level defaults (§ "Default values").
 */
function batchBody(chunk: readonly Evaluation[]): Record<string, unknown> {
  const shared = (key: "subject" | "context"): boolean => {
    const first = JSON.stringify(chunk[0]?.[key]);
    return chunk.every((e) => JSON.stringify(e[key]) === first);
  };
  const subject = shared("subject");
  const context = shared("context");
  const body: Record<string, unknown> = {};
  if (subject) body.subject = chunk[0]!.subject;
  if (context && chunk[0]!.context !== undefined) {
    body.context = chunk[0]!.context;
  }
  body.evaluations = chunk.map((evaluation) => {
    const entry: Record<string, unknown> = {};
    if (!subject) entry.subject = evaluation.subject;
    entry.action = evaluation.action;
    entry.resource = evaluation.resource;
    if (!context && evaluation.context !== undefined) {
      entry.context = evaluation.context;
    }
    return entry;
  });
  return body;
}

/** The decisions of an Access Evaluations answer, in request order. */
function decisionsOf(
  json: Record<string, unknown>,
  chunk: readonly Evaluation[],
): Outcome[] {
  const list = json.evaluations;
  if (!Array.isArray(list) || list.length !== chunk.length) {
    const failure = new PdpError(
      `AuthZEN PDP answered ${
        Array.isArray(list) ? list.length : "no"
      } decisions for ${chunk.length} evaluations`,
    );
    return chunk.map(() => failure);
  }
  return list.map((entry) => {
    if (!isRecord(entry) || typeof entry.decision !== "boolean") {
      return new PdpError("AuthZEN PDP answered without a boolean decision");
    }
    return entry.decision;
  });
}
