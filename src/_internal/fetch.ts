/**
 * Fetching a small JSON document from an endpoint the server trusts (a JWKS,
 * an introspection endpoint, a policy decision point): one timeout over the
 * whole exchange, redirects never followed, the body read no further than a
 * size limit. Internal.
 *
 * @module
 */

import { readLimitedText } from "./body.ts";

/** Why a {@linkcode fetchJson} failed, for the caller's own message. */
export type FetchFailureReason =
  | "unreachable"
  | "status"
  | "content-type"
  | "unreadable";

/** A failed {@linkcode fetchJson}: the reason, the status when there was one. */
export class FetchFailure extends Error {
  /** What went wrong. */
  readonly reason: FetchFailureReason;
  /** The HTTP status, for `"status"`. */
  readonly status: number | undefined;
  /** Whether `timeoutMs` cut the exchange (its reason says at which stage). */
  readonly timedOut: boolean;

  /**
   * Creates a failure.
   *
   * @param reason What went wrong.
   * @param message For logs.
   * @param options The status, whether the timeout fired, and the cause.
   */
  constructor(
    reason: FetchFailureReason,
    message: string,
    options: { status?: number; timedOut?: boolean; cause?: unknown } = {},
  ) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "FetchFailure";
    this.reason = reason;
    this.status = options.status;
    this.timedOut = options.timedOut ?? false;
  }
}

/** The limits of one {@linkcode fetchJson}. */
export interface FetchJsonOptions {
  /** Milliseconds for the whole exchange, body included. */
  timeoutMs: number;
  /** The most body bytes read; a larger body is a failure. */
  maxBytes: number;
  /** Which statuses are a success (default: 2xx). */
  ok?: (status: number) => boolean;
  /**
   * The `Content-Type` a success must have (default: any); another one, or
   * none, is a `"content-type"` failure and its body is not read.
   */
  contentType?: RegExp;
  /**
   * Refuse a body that is not UTF-8 (RFC 8259 §8.1) as `"unreadable"`
   * instead of decoding it with U+FFFD (default false).
   */
  fatal?: boolean;
}

const isSuccess = (status: number) => status >= 200 && status <= 299;

/**
 * `fetch`es `url` and parses its JSON body, within `options.timeoutMs` and
 * `options.maxBytes`. A 3xx (or the status-0 opaque redirect) is a failure:
 * authority stays with the configured URL, never followed to another origin
 * or to plain http (`redirect: "manual"`, since Workers refuse `"error"`).
 * The timeout holds even for an injected `fetch` that ignores its signal.
 *
 * @param fetchFn The `fetch` to use, called without a receiver.
 * @param url Where to send the request.
 * @param init The request; `signal` and `redirect` are set here.
 * @param options Timeout, size limit, accepted statuses.
 * @returns The parsed body.
 * @throws {FetchFailure} When the endpoint cannot be reached, answers a
 * status that is not a success (or a content type not asked for), or sends
 * a body that is too large or not JSON.
 */
export async function fetchJson(
  fetchFn: typeof fetch,
  url: string | URL,
  init: RequestInit,
  options: FetchJsonOptions,
): Promise<unknown> {
  const controller = new AbortController();
  const signal = controller.signal;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  try {
    let response: Response;
    try {
      response = await untilAborted(
        Promise.resolve(
          fetchFn(String(url), { ...init, signal, redirect: "manual" }),
        ),
        signal,
      );
    } catch (cause) {
      throw new FetchFailure("unreachable", "Endpoint unreachable", {
        cause,
        timedOut,
      });
    }
    if (!(options.ok ?? isSuccess)(response.status) || response.redirected) {
      await response.body?.cancel().catch(() => {});
      throw new FetchFailure(
        "status",
        `Endpoint answered ${response.status}`,
        { status: response.status },
      );
    }
    const type = options.contentType;
    if (
      type !== undefined &&
      !type.test(response.headers.get("content-type") ?? "")
    ) {
      await response.body?.cancel().catch(() => {});
      throw new FetchFailure(
        "content-type",
        "Endpoint answered another content type",
      );
    }
    try {
      return JSON.parse(
        await readLimitedText(response, options.maxBytes, signal, {
          fatal: options.fatal ?? false,
        }),
      );
    } catch (cause) {
      throw new FetchFailure("unreadable", "Response unreadable", {
        cause,
        timedOut,
      });
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `pending`, or a rejection as soon as `signal` aborts, whichever comes
 * first. A response that arrives after that has its body cancelled.
 */
function untilAborted(
  pending: Promise<Response>,
  signal: AbortSignal,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    pending.then((response) => {
      signal.removeEventListener("abort", abort);
      if (signal.aborted) response?.body?.cancel().catch(() => {});
      resolve(response);
    }, (error) => {
      signal.removeEventListener("abort", abort);
      reject(error);
    });
  });
}
