import { SignJWT } from 'jose';

/** An HS256 token like GoTrue's: role authenticated unless told otherwise, exp in `ttlSeconds` (negative: already expired). */
export function signJwt(sub: string | undefined, opts: { secret: string; ttlSeconds?: number; role?: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: opts.role ?? 'authenticated', aud: 'authenticated', ...(sub ? { sub } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(opts.secret));
}
