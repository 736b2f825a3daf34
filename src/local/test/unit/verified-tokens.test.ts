// Tokens the stack verified once are remembered (auth/verified-tokens.ts): never past their expiry,
// never a refusal, and no caller can change what the next one is given.
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenResolver, TokenError } from '../../auth/tokens.ts';
import { rememberVerified, VERIFIED_TOKENS_KEPT } from '../../auth/verified-tokens.ts';

const jwtSecret = 'unit-test-jwt-secret-with-at-least-32-characters';
const seconds = () => Math.floor(Date.now() / 1000);
const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(jwtSecret));

afterEach(() => vi.useRealTimers());

describe('rememberVerified', () => {
  it('verifies a token once while it is current, and hands out copies', async () => {
    const verify = vi.fn(async (token: string) => ({ sub: token, exp: seconds() + 60 }));
    const remembered = rememberVerified(verify);
    const first = await remembered('a');
    first.sub = 'changed';
    expect(await remembered('a')).toMatchObject({ sub: 'a' });
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('verifies again once the token expired or before it is valid, so the caller gets the verifier’s own answer', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-02T00:00:00Z') });
    const verify = vi.fn(async () => ({ exp: seconds() + 10, nbf: seconds() }));
    const remembered = rememberVerified(verify);
    await remembered('t');
    vi.setSystemTime(new Date('2026-12-02T00:00:10Z'));
    await remembered('t');
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('never remembers a refusal', async () => {
    const verify = vi.fn(async () => {
      throw new Error('bad signature');
    });
    const remembered = rememberVerified(verify);
    await expect(remembered('x')).rejects.toThrow('bad signature');
    await expect(remembered('x')).rejects.toThrow('bad signature');
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it(`keeps at most ${VERIFIED_TOKENS_KEPT} tokens, forgetting the oldest`, async () => {
    const verify = vi.fn(async (token: string) => ({ sub: token }));
    const remembered = rememberVerified(verify);
    for (let i = 0; i <= VERIFIED_TOKENS_KEPT; i++) await remembered(`t${i}`);
    await remembered(`t${VERIFIED_TOKENS_KEPT}`);
    expect(verify).toHaveBeenCalledTimes(VERIFIED_TOKENS_KEPT + 1);
    await remembered('t0');
    expect(verify).toHaveBeenCalledTimes(VERIFIED_TOKENS_KEPT + 2);
  });
});

describe('the stack’s token resolver', () => {
  it('refuses a token it accepted once it has expired', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-02T00:00:00Z') });
    const resolve = createTokenResolver({ jwtSecret, publishableKeys: [], secretKeys: [] });
    const token = await sign({ sub: 'u', role: 'authenticated', exp: seconds() + 5 });
    expect(await resolve(token)).toMatchObject({ sub: 'u' });
    vi.setSystemTime(new Date('2026-12-02T00:00:06Z'));
    const error = await resolve(token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect((error as TokenError).reason).toBe('expired');
  });
});
