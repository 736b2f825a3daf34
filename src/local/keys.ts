import { SignJWT } from 'jose';

/** The well-known development values `supabase start` prints; identical on every machine, not secrets. */
export const DEFAULT_PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';
export const DEFAULT_SECRET_KEY = 'sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz';
export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

export interface StackKeys {
  publishableKey: string;
  secretKey: string;
  jwtSecret: string;
  /** Legacy JWT keys (`SUPABASE_ANON_KEY`, `SUPABASE_SERVICE_ROLE_KEY`), signed with jwtSecret. */
  anonKey: string;
  serviceRoleKey: string;
}

/** Same claims as the CLI's demo keys, so code written against `supabase start` keeps working. */
async function legacyKey(role: 'anon' | 'service_role', secret: string): Promise<string> {
  return new SignJWT({ iss: 'supabase-demo', role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setExpirationTime(1983812996)
    .sign(new TextEncoder().encode(secret));
}

export async function resolveKeys(
  overrides: Partial<Pick<StackKeys, 'publishableKey' | 'secretKey' | 'jwtSecret'>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<StackKeys> {
  const jwtSecret = overrides.jwtSecret ?? env.SUPABASE_JWT_SECRET ?? DEFAULT_JWT_SECRET;
  return {
    publishableKey: overrides.publishableKey ?? env.SUPABASE_PUBLISHABLE_KEY ?? DEFAULT_PUBLISHABLE_KEY,
    secretKey: overrides.secretKey ?? env.SUPABASE_SECRET_KEY ?? DEFAULT_SECRET_KEY,
    jwtSecret,
    anonKey: await legacyKey('anon', jwtSecret),
    serviceRoleKey: await legacyKey('service_role', jwtSecret),
  };
}
