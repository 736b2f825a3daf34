// Who is calling: a signed-in user (their access token goes on to PostgREST, so RLS and auth.uid()
// decide) or a server holding a secret key. Nothing in the body ever identifies the caller.
import type { FunctionConfig } from './config.ts';
import { HttpError } from './http.ts';

export type Caller = { kind: 'user'; token: string } | { kind: 'server' };

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const isSecret = (config: FunctionConfig, key: string | null | undefined) =>
  Boolean(key) && config.secretKeys.some((secret) => timingSafeEqual(secret, key!));

export function identifyCaller(request: Request, config: FunctionConfig): Caller {
  const bearer = request.headers.get('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (isSecret(config, bearer)) return { kind: 'server' };
  if (bearer && JWT_SHAPE.test(bearer)) return { kind: 'user', token: bearer };
  if (isSecret(config, request.headers.get('apikey'))) return { kind: 'server' };
  throw new HttpError(
    401,
    'unauthorized',
    'sign in first: send the user access token as Authorization: Bearer <jwt> (servers: the secret key as apikey)',
  );
}
