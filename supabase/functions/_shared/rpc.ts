// The one database round trip of each request: an RPC through PostgREST, as the caller.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { z } from 'zod';
import type { Caller } from './caller.ts';
import type { FunctionConfig } from './config.ts';
import type { Database, Json } from './contract/database.types.ts';
import { HttpError } from './http.ts';

/** The RPCs as `supabase gen types` reads them from the migrations. */
type Rpc = Database['public']['Functions'];
/**
 * An RPC's arguments by the generated names and types. Postgres takes null for any argument; a json
 * argument takes any value the body parser produced (it is sent as JSON).
 */
export type RpcArgs<F extends keyof Rpc> = { [K in keyof Rpc[F]['Args']]: RpcArg<Rpc[F]['Args'][K]> | null };
type RpcArg<T> = Json extends T ? unknown : T;
export type DatabaseClient = SupabaseClient<Database>;

const clientOptions = { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } };
let serverClient: { key: string; client: DatabaseClient } | undefined;

/**
 * Users' clients by access token, so a user's next request reuses theirs: building a supabase-js
 * client (auth, storage, realtime parts included) was ~0.5 ms of every request. A client holds only
 * its token (no session, no refresh), so sharing it between that token's requests changes nothing.
 */
export const USER_CLIENTS_KEPT = 100;
const userClients = new Map<string, DatabaseClient>();

function userClient(config: FunctionConfig, token: string): DatabaseClient {
  const key = `${config.supabaseUrl} ${config.publishableKey} ${token}`;
  let client = userClients.get(key);
  if (client) {
    // Most recently used last: the oldest goes first when the map is full.
    userClients.delete(key);
  } else {
    client = createClient<Database>(config.supabaseUrl, config.publishableKey, {
      ...clientOptions,
      global: { headers: { Authorization: `Bearer ${token}` } },
    });
    if (userClients.size >= USER_CLIENTS_KEPT) userClients.delete(userClients.keys().next().value!);
  }
  userClients.set(key, client);
  return client;
}

export function clientFor(config: FunctionConfig, caller: Caller): DatabaseClient {
  if (caller.kind === 'user') return userClient(config, caller.token);
  if (serverClient?.key !== config.secretKey) {
    serverClient = {
      key: config.secretKey,
      client: createClient<Database>(config.supabaseUrl, config.secretKey, clientOptions),
    };
  }
  return serverClient.client;
}

interface PostgrestFailure {
  code?: string;
  message: string;
}

/** SQLSTATEs the RPCs raise (see the chat_rpcs migration) and PostgREST's own JWT codes → HTTP. */
export function httpErrorFor(fn: string, error: PostgrestFailure, status: number): HttpError {
  const code = error.code ?? '';
  const message = error.message;
  if (status === 401 || code.startsWith('PGRST30')) return new HttpError(401, 'invalid_token', `${message} (${fn})`);
  if (code === '42501') return new HttpError(403, 'forbidden', message);
  if (code === '23505') return new HttpError(409, 'conflict', message);
  if (code === 'PT404') return new HttpError(404, 'not_found', message);
  if (code === '23503') return new HttpError(400, 'unknown_user', message);
  if (code.startsWith('22') || code === '23514') return new HttpError(400, 'invalid_request', message);
  return new HttpError(502, 'database_error', `${fn} failed: ${message}${code ? ` (${code})` : ''}`);
}

export async function callRpc<F extends keyof Rpc, S extends z.ZodType>(
  client: DatabaseClient,
  fn: F,
  args: RpcArgs<F>,
  result: S,
): Promise<z.infer<S>> {
  const { data, error, status } = await client.rpc(fn, args as Rpc[F]['Args']);
  if (error) throw httpErrorFor(fn, error, status);
  const parsed = result.safeParse(data);
  if (!parsed.success) {
    throw new HttpError(500, 'internal', `${fn} returned an unexpected shape: ${parsed.error.message}`);
  }
  return parsed.data;
}
