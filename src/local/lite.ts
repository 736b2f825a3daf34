import { App, type ResolvedKey } from '@supabase/lite';
import type { StackDatabase } from './database.ts';
import type { StackKeys } from './keys.ts';
import { asPostgrestStatus, bodyRejection, createTokenGuard } from './lite-guard.ts';
import { createRestIdentity } from './lite-rest-identity.ts';
import { batchContextStatements, deferStatements } from './lite-statements.ts';

export interface LiteOptions {
  jwtExpirySeconds: number;
}

/**
 * @supabase/lite serves /rest/v1 and /auth/v1. Keys resolve as on hosted Supabase: the publishable
 * key and the legacy anon JWT as `anon`, the secret key and the legacy service_role JWT as
 * `service_role` (lite alone knows only the new-style keys).
 */
export function createLite(db: StackDatabase, keys: StackKeys, options: LiteOptions) {
  const statements = deferStatements(db.connection, db.kind);
  batchContextStatements(db.connection);
  const identity = createRestIdentity();
  const resolved = new Map<string, ResolvedKey>([
    [keys.publishableKey, { type: 'publishable', claims: { role: 'anon' } }],
    [keys.anonKey, { type: 'publishable', claims: { role: 'anon' } }],
    [keys.secretKey, { type: 'secret', claims: { role: 'service_role' } }],
    [keys.serviceRoleKey, { type: 'secret', claims: { role: 'service_role' } }],
  ]);
  const app = new App({
    connection: db.connection,
    auth: {
      enabled: true,
      jwt_secret: keys.jwtSecret,
      jwt_expiry: options.jwtExpirySeconds,
      enable_signup: true,
      email: { enable_confirmations: false },
      publishable_key: keys.publishableKey,
      secret_key: keys.secretKey,
    },
    options: {
      server: {
        admin: false,
        middlewares: [identity.middleware],
        apiKeys: { resolver: async (key: string) => resolved.get(key) ?? null },
      },
    },
  });

  const apiKeys = new Set(resolved.keys());
  const checkToken = createTokenGuard(keys.jwtSecret, apiKeys);

  /** The whole response is read inside the exclusive section: lite's transaction ends with it. */
  function serve(request: Request): Promise<Response> {
    return db.exclusive(async () => {
      const response = await app.fetch(request);
      const body = response.status === 204 || response.status === 304 ? null : await response.arrayBuffer();
      return new Response(body, { status: response.status, headers: response.headers });
    });
  }

  /**
   * REST requests first meet the checks hosted PostgREST makes (lite-guard.ts), outside the
   * exclusive section, so a slow body never holds the database. A token it accepted gives lite the
   * request's identity (lite-rest-identity.ts).
   */
  async function fetch(request: Request): Promise<Response> {
    if (!new URL(request.url).pathname.startsWith('/rest/v1/')) return serve(request);
    const token = await checkToken(request);
    if ('rejection' in token) return token.rejection;
    if (request.body) {
      const body = await request.arrayBuffer();
      const tooDeep = bodyRejection(new TextDecoder().decode(body));
      if (tooDeep) return tooDeep;
      request = new Request(request, { body });
    }
    if (token.claims) identity.remember(request, token.claims);
    return asPostgrestStatus(await serve(request));
  }

  return { app, fetch, statements };
}

export type Lite = ReturnType<typeof createLite>;
