// The stack verifies the same access tokens over and over: lite's guard on every REST request, the
// functions gateway (verify_jwt) and Realtime on every call. jose verifies an HS256 token through
// WebCrypto, a key import and an HMAC job per call, about a millisecond of the event loop each on a
// loaded 2-core machine (issue 16's profile). A token's signature never changes, so what was
// verified once is remembered; its time claims are checked again on every use, as jose would, and a
// token past them is verified afresh so the caller gets jose's own error.
import type { JWTPayload } from 'jose';

/** Tokens remembered per verifier; the oldest is forgotten first. */
export const VERIFIED_TOKENS_KEPT = 1000;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Still inside its time claims (jose: expired when exp <= now, not yet valid when nbf > now). */
function current(payload: JWTPayload): boolean {
  const now = nowSeconds();
  if (typeof payload.exp === 'number' && payload.exp <= now) return false;
  if (typeof payload.nbf === 'number' && payload.nbf > now) return false;
  return true;
}

/**
 * `verify` with a memory of the tokens it accepted. Refusals are not remembered: a bad token costs a
 * full verification every time, as before.
 */
export function rememberVerified(verify: (token: string) => Promise<JWTPayload>): (token: string) => Promise<JWTPayload> {
  const verified = new Map<string, JWTPayload>();
  return async (token) => {
    const known = verified.get(token);
    // A copy each time: a caller changing its claims must not change what the next one is given.
    if (known && current(known)) return { ...known };
    verified.delete(token);
    const payload = await verify(token);
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
    verified.set(token, payload);
    return { ...payload };
  };
}
