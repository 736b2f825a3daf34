// What hosted PostgREST does before a request reaches the database, and @supabase/lite does not
// (issue 12, items 1, 4 and 14). lite verifies the signature only: a token without `exp` passed, any
// `role` claim became `SET LOCAL ROLE` (role postgres: superuser, RLS off), and `alg: none` (an empty
// signature) counted as no token, i.e. anon. Hosted, the API roles are the only roles PostgREST can
// switch to, tokens carry `exp`, and a bad token is a 401.
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { rememberVerified } from './auth/verified-tokens.ts';

/** The roles an API request may run as (PostgREST's authenticator is granted exactly these). */
export const API_ROLES: readonly string[] = ['anon', 'authenticated', 'service_role'];

/** Deeper JSON than this overflows lite's recursive handling of bodies (a 500); PostgREST has no such limit. */
export const MAX_BODY_DEPTH = 512;

const postgrestError = (status: number, code: string, message: string, details: string | null = null) =>
  new Response(JSON.stringify({ code, details, hint: null, message }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

/** What the token guard found: a refusal in PostgREST's words, or the claims of a token it accepted. */
export type TokenCheck = { rejection: Response } | { claims: JWTPayload | null };

/**
 * A check answering 401 in PostgREST's words when a bearer token is not one hosted PostgREST would
 * accept. Tokens it accepted are remembered (auth/verified-tokens.ts), their expiry checked on every
 * use. API keys and requests without a token have no claims.
 */
export function createTokenGuard(jwtSecret: string, apiKeys: ReadonlySet<string>): (request: Request) => Promise<TokenCheck> {
  const key = new TextEncoder().encode(jwtSecret);
  const verify = rememberVerified(async (token) =>
    (await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] })).payload
  );
  const reject = (response: Response): TokenCheck => ({ rejection: response });
  return async (request) => {
    const header = request.headers.get('authorization');
    if (header === null) return { claims: null };
    const token = header.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!token) return reject(postgrestError(401, 'PGRST301', 'Expected a Bearer token in the Authorization header'));
    if (apiKeys.has(token)) return { claims: null };
    let claims: JWTPayload;
    try {
      claims = await verify(token);
    } catch (error) {
      if (error instanceof errors.JWTExpired) return reject(postgrestError(401, 'PGRST303', 'JWT expired'));
      if (error instanceof errors.JWTClaimValidationFailed) return reject(postgrestError(401, 'PGRST303', `JWT ${error.message}`));
      return reject(postgrestError(401, 'PGRST301', 'No suitable key or wrong key type', 'None of the keys was able to decode the JWT'));
    }
    if (claims.role !== undefined && !API_ROLES.includes(claims.role as string)) {
      return reject(postgrestError(401, 'PGRST301', `JWT role ${JSON.stringify(claims.role)} is not one of ${API_ROLES.join(', ')}`));
    }
    return { claims };
  };
}

/** Nesting depth of a JSON text, counted without parsing (brackets outside strings). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * lite parses bodies in JavaScript, where 1e400 becomes Infinity and is written back as null: a value
 * silently changed. PostgREST hands the text to Postgres, which refuses it wherever a double is due.
 */
function hasInfinity(body: string): boolean {
  let found = false;
  try {
    JSON.parse(body, (_key, value) => {
      if (typeof value === 'number' && !Number.isFinite(value)) found = true;
      return value;
    });
  } catch {
    return false;
  }
  return found;
}

export function bodyRejection(body: string): Response | null {
  if (jsonDepth(body) > MAX_BODY_DEPTH) {
    return postgrestError(400, 'PGRST102', `JSON body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  }
  if (hasInfinity(body)) return postgrestError(400, 'PGRST102', 'JSON body holds a number outside the range of a double');
  return null;
}

/**
 * lite converts RPC arguments in JavaScript before Postgres sees them; PGlite's converters throw
 * ("Invalid input for boolean type") and lite answers 500. Postgres would say 22P02, PostgREST 400.
 */
export async function asPostgrestStatus(response: Response): Promise<Response> {
  if (response.status !== 500) return response;
  const text = await response.text();
  const error = safeParse(text);
  if (error?.code === 'SUP' && typeof error.message === 'string' && /^Error: Invalid input for \w+ type$/.test(error.message)) {
    return postgrestError(400, '22P02', error.message.slice('Error: '.length).replace(/^Invalid input/, 'invalid input syntax'));
  }
  return new Response(text, { status: response.status, headers: response.headers });
}

function safeParse(text: string): { code?: unknown; message?: unknown } | null {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
