// lite sets a request's role, claims and request.* settings; the stack batches those set_configs
// (src/local/lite-statements.ts) and skips lite's user and session lookups on REST
// (src/local/lite-rest-identity.ts). The RPC must still see every setting, in fewer statements.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startLocalTarget } from '../support/stack.ts';

const PROBE = `
  create function public.bench_probe_context() returns jsonb language sql as $$
    select jsonb_build_object(
      'role', current_user,
      'sub', current_setting('request.jwt.claim.sub', true),
      'claim_role', current_setting('request.jwt.claim.role', true),
      'claims_sub', current_setting('request.jwt.claims', true)::jsonb ->> 'sub',
      'method', current_setting('request.method', true),
      'path', current_setting('request.path', true),
      'header', current_setting('request.headers', true)::jsonb ->> 'x-probe',
      'uid', auth.uid())
  $$;
  grant execute on function public.bench_probe_context() to authenticated;`;

for (const engine of ['pglite', 'postgres'] as const) {
  describe(`lite on ${engine}`, () => {
    let local: Awaited<ReturnType<typeof startLocalTarget>>;
    beforeAll(async () => {
      local = await startLocalTarget({ engine });
      await local.stack.db.transaction((tx) => tx.exec(PROBE));
      await local.stack.db.exclusive(() => local.stack.db.connection.clearSchemaCache());
    }, 120_000);
    afterAll(() => local?.stop());

    it('gives an RPC the caller role, claims and request settings, in at most 6 statements', async () => {
      const user = await signUp(local, 'probe');
      const call = () =>
        fetch(`${local.url}/rest/v1/rpc/bench_probe_context`, {
          method: 'POST',
          headers: { apikey: local.publishableKey, authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'x-probe': 'seen' },
          body: '{}',
        });
      await call();
      const before = local.stack.requestCounts().statements;
      const response = await call();
      const statements = local.stack.requestCounts().statements - before;
      expect(await response.json()).toEqual({
        role: 'authenticated',
        sub: user.id,
        claim_role: 'authenticated',
        claims_sub: user.id,
        method: 'POST',
        path: '/rpc/bench_probe_context',
        header: 'seen',
        uid: user.id,
      });
      // BEGIN, two set_configs, the call, the response settings, COMMIT: no user or session lookup,
      // as hosted PostgREST makes none (src/local/lite-rest-identity.ts).
      expect(statements).toBeLessThanOrEqual(6);
    });

    it('serves REST to a signed-out session until its token expires, as hosted PostgREST does; Auth refuses it', async () => {
      const user = await signUp(local, 'signed-out');
      const headers = { apikey: local.publishableKey, authorization: `Bearer ${user.token}` };
      const loggedOut = await fetch(`${local.url}/auth/v1/logout`, { method: 'POST', headers });
      expect(loggedOut.status).toBe(204);
      const rest = await fetch(`${local.url}/rest/v1/rpc/bench_probe_context`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(await rest.json()).toMatchObject({ role: 'authenticated', uid: user.id });
      const auth = await fetch(`${local.url}/auth/v1/user`, { headers });
      expect(auth.status).toBe(403);
      expect(await auth.json()).toMatchObject({ error_code: 'session_not_found' });
    });
  });
}
