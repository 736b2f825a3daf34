import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenResolver, TokenError } from '../../auth/tokens.ts';

const jwtSecret = 'unit-test-jwt-secret-with-at-least-32-characters';
const resolve = createTokenResolver({ jwtSecret, publishableKeys: ['sb_publishable_a', 'sb_publishable_b'], secretKeys: ['sb_secret_a'] });
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, opts: { alg?: string; secret?: string } = {}) {
  return new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'HS256' }).sign(new TextEncoder().encode(opts.secret ?? jwtSecret));
}

async function failure(token: string): Promise<TokenError> {
  const error = await resolve(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

describe('createTokenResolver', () => {
  it('maps exactly-matching new-style API keys to their roles', async () => {
    expect(await resolve('sb_publishable_a')).toEqual({ role: 'anon' });
    expect(await resolve('sb_publishable_b')).toEqual({ role: 'anon' });
    expect(await resolve('sb_secret_a')).toEqual({ role: 'service_role' });
    expect(await failure('sb_publishable_a_but_longer')).toMatchObject({ reason: 'invalid', code: 'InvalidAPIKey' });
    expect(await failure('sb_secret_other')).toMatchObject({ reason: 'invalid' });
  });

  it('returns the claims of a valid HS256/384/512 token, including legacy role keys', async () => {
    const exp = now() + 60;
    expect(await resolve(await sign({ sub: 'u1', role: 'authenticated', exp }))).toMatchObject({ sub: 'u1', role: 'authenticated', exp });
    expect(await resolve(await sign({ role: 'anon', exp }, { alg: 'HS512' }))).toMatchObject({ role: 'anon' });
    expect(await resolve(await sign({ role: 'service_role', iss: 'supabase-demo', exp }, { alg: 'HS384' }))).toMatchObject({ role: 'service_role' });
  });

  it('reports expiry with Realtime\'s wording', async () => {
    const error = await failure(await sign({ role: 'authenticated', exp: now() - 42 }));
    expect(error).toMatchObject({ reason: 'expired', code: 'InvalidJWTToken' });
    expect(error.message).toMatch(/^Token has expired (42|43) seconds ago$/);
  });

  it('rejects forged, malformed, unsigned and incomplete tokens', async () => {
    expect(await failure(await sign({ role: 'authenticated', exp: now() + 60 }, { secret: 'another-secret-that-is-also-long-enough!' }))).toMatchObject({
      reason: 'invalid',
      code: 'JwtSignatureError',
      message: 'Failed to validate JWT signature',
    });
    expect(await failure('not.a.jwt')).toMatchObject({ reason: 'invalid', code: 'MalformedJWT', message: 'The token provided is not a valid JWT' });
    expect(await failure('')).toMatchObject({ reason: 'invalid', code: 'MalformedJWT' });
    expect(await failure(new UnsecuredJWT({ role: 'service_role', exp: now() + 60 }).encode())).toMatchObject({ reason: 'invalid' });
    expect(await failure(await sign({ role: 'authenticated' }))).toMatchObject({ code: 'InvalidJWTToken', message: 'Fields `role` and `exp` are required in JWT' });
    expect(await failure(await sign({ sub: 'u', exp: now() + 60 }))).toMatchObject({ code: 'InvalidJWTToken' });
  });
});
