/**
 * A strict parser for `WWW-Authenticate` field values (RFC 9110 §11.6.1,
 * §11.2, §5.6), used by the tests to prove that every challenge we emit is
 * well-formed. It throws on anything the grammar does not allow.
 */

/** One parsed challenge. */
export interface ParsedChallenge {
  scheme: string;
  token68?: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>;
}

const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]$/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;

/** Parses a whole `WWW-Authenticate` value (RFC 9110 `#challenge`). */
export function parseChallenges(value: string): ParsedChallenge[] {
  let i = 0;
  const fail = (why: string): never => {
    throw new SyntaxError(`${why} at ${i} in ${JSON.stringify(value)}`);
  };
  const ows = () => {
    while (value[i] === " " || value[i] === "\t") i++;
  };
  const token = (): string => {
    const start = i;
    while (i < value.length && TCHAR.test(value[i]!)) i++;
    if (i === start) fail("expected a token");
    return value.slice(start, i);
  };
  const quoted = (): string => {
    if (value[i] !== '"') fail("expected a quoted-string");
    i++;
    let out = "";
    for (;;) {
      if (i >= value.length) fail("unterminated quoted-string");
      const c = value.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c === 0x5c) {
        const next = value.charCodeAt(i + 1);
        // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        if (
          !(next === 0x09 || (next >= 0x20 && next <= 0xff && next !== 0x7f))
        ) {
          fail("invalid quoted-pair");
        }
        out += value[i + 1];
        i += 2;
        continue;
      }
      // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
      if (!(c === 0x09 || (c >= 0x20 && c <= 0xff && c !== 0x7f))) {
        fail("invalid character in quoted-string");
      }
      out += value[i];
      i++;
    }
  };
  // Whether the text at i starts an auth-param (token BWS "="), not a new
  // challenge or a token68.
  const atParam = (): boolean => {
    let j = i;
    while (j < value.length && TCHAR.test(value[j]!)) j++;
    if (j === i) return false;
    while (value[j] === " " || value[j] === "\t") j++;
    if (value[j] !== "=") return false;
    // `name=` followed by "=" or end/comma is a token68 with padding.
    const after = value[j + 1];
    return after !== "=";
  };

  const challenges: ParsedChallenge[] = [];
  for (;;) {
    const challenge: ParsedChallenge = { scheme: token(), params: {} };
    challenges.push(challenge);
    if (value[i] === " ") {
      while (value[i] === " ") i++;
      if (i >= value.length) fail("trailing space after the scheme");
      if (!atParam()) {
        const m = TOKEN68.exec(value.slice(i));
        if (m === null) fail("expected token68 or auth-param");
        challenge.token68 = m![0];
        i += m![0].length;
      } else {
        for (;;) {
          const name = token().toLowerCase();
          ows();
          if (value[i] !== "=") fail('expected "="');
          i++;
          ows();
          const v = value[i] === '"' ? quoted() : token();
          if (Object.hasOwn(challenge.params, name)) {
            fail(`duplicate parameter ${name}`);
          }
          challenge.params[name] = v;
          const save = i;
          ows();
          if (value[i] !== ",") {
            i = save;
            break;
          }
          i++;
          ows();
          if (!atParam()) {
            i = save; // a new challenge follows the comma
            break;
          }
        }
      }
    }
    ows();
    if (i >= value.length) return challenges;
    if (value[i] !== ",") fail('expected "," between challenges');
    i++;
    ows();
  }
}

/** Parses a value that must hold exactly one Bearer challenge. */
export function parseBearer(value: string | null): Record<string, string> {
  if (value === null) throw new Error("no WWW-Authenticate header");
  const challenges = parseChallenges(value);
  if (challenges.length !== 1) {
    throw new Error(`expected one challenge, got ${challenges.length}`);
  }
  const [challenge] = challenges;
  if (challenge!.scheme !== "Bearer") {
    throw new Error(`expected Bearer, got ${challenge!.scheme}`);
  }
  if (challenge!.token68 !== undefined) throw new Error("unexpected token68");
  // RFC 6750 §3: "MUST be followed by one or more auth-param values".
  if (Object.keys(challenge!.params).length === 0) {
    throw new Error(
      "a bare Bearer challenge (RFC 6750 §3 wants an auth-param)",
    );
  }
  // RFC 6750 §3: error, error_description and scope use a narrower set.
  for (const name of ["error", "error_description", "scope"]) {
    const v = challenge!.params[name];
    if (v !== undefined && !/^[\x20\x21\x23-\x5B\x5D-\x7E]*$/.test(v)) {
      throw new Error(`${name} has characters RFC 6750 §3 forbids`);
    }
  }
  return challenge!.params;
}

/**
 * Parses a value of one or more challenges and throws unless each carries
 * at least one auth-param (RFC 6750 §3 for Bearer; every challenge we emit).
 */
export function parseNoneBare(value: string | null): ParsedChallenge[] {
  if (value === null) throw new Error("no WWW-Authenticate header");
  const challenges = parseChallenges(value);
  for (const challenge of challenges) {
    if (Object.keys(challenge.params).length === 0) {
      throw new Error(`a bare ${challenge.scheme} challenge in ${value}`);
    }
  }
  return challenges;
}
