// lite's auth middleware runs on every path but storage: it verifies the bearer token, then looks up
// its user and its session in the database, two statements per request. On /rest/v1 what it finds
// is never read: lite's PostgREST handler verifies the token again and takes the user, session and
// claims from it. Hosted PostgREST looks nothing up either; a token is good until it expires.
import type { ServerOptions } from '@supabase/lite';
import type { JWTPayload } from 'jose';

type Middleware = NonNullable<ServerOptions['middlewares']>[number];
type Identity = JWTPayload & { sub: string; session_id: string };

/**
 * A lite middleware giving a REST request the identity lite's auth middleware would find, from the
 * claims the token guard verified, so that middleware skips its lookups. `remember` is called for a
 * request before lite serves it. A token without a session_id (lite mints none) is left to lite.
 */
export function createRestIdentity() {
  const verified = new WeakMap<Request, Identity>();
  const middleware: Middleware = async (c, next) => {
    const claims = verified.get(c.req.raw);
    if (claims) {
      c.set('userId', claims.sub);
      c.set('sessionId', claims.session_id);
      c.set('jwt', claims);
    }
    await next();
  };
  function remember(request: Request, claims: JWTPayload): void {
    if (typeof claims.sub === 'string' && typeof claims.session_id === 'string' && claims.session_id !== '') {
      verified.set(request, claims as Identity);
    }
  }
  return { middleware, remember };
}
