// Token verification for the whole stack: Realtime authenticates sockets and REST calls with it,
// the functions gateway applies verify_jwt with it. Realtime's messages, since it came from there.
import { jwtVerify } from 'jose';
import { API_ROLES } from '../lite-guard.ts';
import { rememberVerified } from './verified-tokens.ts';

export interface Claims {
  role: string;
  sub?: string;
  exp?: number;
  [k: string]: unknown;
}

/**
 * `code` is Realtime's error code for the failure (e.g. `InvalidJWTToken`); join replies carry
 * `<code>: <message>` while system messages carry the bare message, as hosted Realtime does.
 */
export class TokenError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
    readonly code: string = reason === 'expired' ? 'InvalidJWTToken' : 'MalformedJWT',
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

/** Turns an access token or API key into claims; throws TokenError. */
export type TokenResolver = (token: string) => Promise<Claims>;

// Hosted Realtime accepts the whole HS family when the project uses a shared JWT secret.
const ALGORITHMS = ['HS256', 'HS384', 'HS512'];

/**
 * New-style API keys map to the roles the hosted API gateway gives them; anything else must be a
 * JWT signed with the project secret. Messages and codes follow Realtime's ChannelsAuthorization.
 */
export function createTokenResolver(opts: { jwtSecret: string; publishableKeys: string[]; secretKeys: string[] }): TokenResolver {
  const secret = new TextEncoder().encode(opts.jwtSecret);
  const verify = rememberVerified(async (token) => (await jwtVerify(token, secret, { algorithms: ALGORITHMS })).payload);
  const publishable = new Set(opts.publishableKeys);
  const secretKeys = new Set(opts.secretKeys);

  return async (raw) => {
    const token = raw.trim();
    if (publishable.has(token)) return { role: 'anon' };
    if (secretKeys.has(token)) return { role: 'service_role' };
    if (token.startsWith('sb_')) throw new TokenError('invalid', 'Invalid API key', 'InvalidAPIKey');

    let claims: Record<string, unknown>;
    try {
      claims = await verify(token);
    } catch (error) {
      throw toTokenError(error);
    }
    // Realtime refuses tokens without these even when the signature is fine.
    if (typeof claims.role !== 'string' || typeof claims.exp !== 'number') {
      throw new TokenError('invalid', 'Fields `role` and `exp` are required in JWT', 'InvalidJWTToken');
    }
    // Hosted, Realtime's database user can only become the API roles; `role: postgres` must not
    // make the authorization probe run as a superuser (RLS off: every private topic readable).
    if (!API_ROLES.includes(claims.role)) {
      throw new TokenError('invalid', `JWT role ${JSON.stringify(claims.role)} is not one of ${API_ROLES.join(', ')}`, 'InvalidJWTToken');
    }
    return claims as Claims;
  };
}

function toTokenError(error: unknown): TokenError {
  const { code, payload, message } = error as { code?: string; payload?: { exp?: number }; message?: string };
  switch (code) {
    case 'ERR_JWT_EXPIRED': {
      const ago = Math.max(0, Math.floor(Date.now() / 1000) - (payload?.exp ?? 0));
      return new TokenError('expired', `Token has expired ${ago} seconds ago`, 'InvalidJWTToken');
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new TokenError('invalid', 'Failed to validate JWT signature', 'JwtSignatureError');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new TokenError('invalid', 'Failed to generate JWT signer, check your JWT secret or JWKS configuration', 'JwtSignerError');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return new TokenError('invalid', message ?? 'JWT claim validation failed', 'InvalidJWTToken');
    default:
      return new TokenError('invalid', 'The token provided is not a valid JWT', 'MalformedJWT');
  }
}
