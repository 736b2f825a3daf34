// The one database round trip of each request: an RPC through PostgREST, as the caller.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { z } from 'zod';
import type { Caller } from './caller.ts';
import type { FunctionConfig } from './config.ts';
import { HttpError } from './http.ts';

const clientOptions = { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } };
let serverClient: { key: string; client: SupabaseClient } | undefined;

export function clientFor(config: FunctionConfig, caller: Caller): SupabaseClient {
  if (caller.kind === 'user') {
    return createClient(config.supabaseUrl, config.publishableKey, {
      ...clientOptions,
      global: { headers: { Authorization: `Bearer ${caller.token}` } },
    });
  }
  if (serverClient?.key !== config.secretKey) {
    serverClient = { key: config.secretKey, client: createClient(config.supabaseUrl, config.secretKey, clientOptions) };
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

export async function callRpc<S extends z.ZodType>(
  client: SupabaseClient,
  fn: string,
  args: Record<string, unknown>,
  result: S,
): Promise<z.infer<S>> {
  const { data, error, status } = await client.rpc(fn, args);
  if (error) throw httpErrorFor(fn, error, status);
  const parsed = result.safeParse(data);
  if (!parsed.success) {
    throw new HttpError(500, 'internal', `${fn} returned an unexpected shape: ${parsed.error.message}`);
  }
  return parsed.data;
}
