// The HTTP side of the client: the read RPCs and the write functions, each answer validated with the
// shared schemas, each failure turned into one error type that says whether trying again can help.
import type { SupabaseClient } from '@supabase/supabase-js';
import * as z from 'zod'; // a namespace import, so bundlers drop the unused parts of zod
import { ConversationSummary, ErrorBody, InboxCheckpoint, Message } from 'supabase-realtime-inbox-contract';
import type { Database } from 'supabase-realtime-inbox-contract/database';

/** Any supabase-js client, whatever its Database type: the library uses `auth`, `realtime`, `rpc` and `functions`. */
export type SupabaseLike = SupabaseClient<any, any, any>;

export type ChatFunctionName =
  | 'chat-send'
  | 'chat-read'
  | 'chat-join'
  | 'chat-create'
  | 'chat-edit'
  | 'chat-delete'
  | 'chat-leave'
  | 'chat-settings';

/** Largest `row_limit` chat_messages accepts. */
export const MAX_ROWS = 1000;

/** A failed request. `status` is the HTTP status, or null when no response came back (network, abort). */
export class ChatApiError extends Error {
  override readonly name = 'ChatApiError';

  constructor(
    message: string,
    readonly status: number | null,
    /** The `error.code` of a function's answer, the SQLSTATE of an RPC, or a local code. */
    readonly code: string,
    readonly issues?: unknown[],
  ) {
    super(message);
  }

  /** A lost request or a server fault may succeed when repeated; a refusal (4xx) will not. */
  get retryable(): boolean {
    return this.status === null || this.status >= 500;
  }
}

export const isRetryable = (error: unknown): boolean => error instanceof ChatApiError && error.retryable;

/** How long one request may go unanswered by default, in ms. */
export const REQUEST_TIMEOUT_MS = 20_000;

/**
 * Runs `request` with a signal that aborts when `signal` does or `timeoutMs` after the start (0: never).
 * A request that gets no answer by then fails as ChatApiError 'timeout' with no status, which is
 * retryable: the server may have acted all the same, so repeat only what is idempotent.
 */
export async function withDeadline<T>(
  request: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<T> {
  if (timeoutMs <= 0) return request(signal);
  const controller = new AbortController();
  const forward = () => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await request(controller.signal);
  } catch (error) {
    // Aborted while the caller's signal was not: the deadline passed.
    const expired = controller.signal.aborted && !signal.aborted;
    const answered = error instanceof ChatApiError && error.status !== null;
    if (expired && !answered) throw new ChatApiError(`no answer within ${timeoutMs} ms`, null, 'timeout');
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', forward);
  }
}

/** Calls an edge function and validates its JSON answer against `schema`. */
export async function invokeFunction<S extends z.ZodType>(
  supabase: SupabaseLike,
  name: ChatFunctionName,
  body: object,
  schema: S,
  signal?: AbortSignal,
): Promise<z.output<S>> {
  const { data, error, response } = await supabase.functions.invoke(name, { body, signal });
  if (error) throw await functionError(error, response);
  return validate(schema, data, response?.status ?? 200);
}

/** The caller's conversations, most recent activity first (`chat_inbox`). */
export function fetchInbox(supabase: SupabaseLike, signal?: AbortSignal): Promise<ConversationSummary[]> {
  return callRpc(supabase, 'chat_inbox', {}, z.array(ConversationSummary), signal);
}

/** The checkpoint of the caller's inbox (`chat_inbox_checkpoint`): one cheap query, five numbers. */
export function fetchCheckpoint(supabase: SupabaseLike, signal?: AbortSignal): Promise<InboxCheckpoint> {
  return callRpc(supabase, 'chat_inbox_checkpoint', {}, InboxCheckpoint, signal);
}

/** Messages of a conversation numbered above `afterNumber`, ascending, at most `rowLimit` (`chat_messages`). */
export function fetchMessages(
  supabase: SupabaseLike,
  chatId: string,
  afterNumber: number,
  rowLimit: number,
  signal?: AbortSignal,
): Promise<Message[]> {
  const args = { chat_id: chatId, after_number: afterNumber, row_limit: Math.min(rowLimit, MAX_ROWS) };
  return callRpc(supabase, 'chat_messages', args, z.array(Message), signal);
}

type Rpc = Database['public']['Functions'];

export async function callRpc<F extends keyof Rpc, S extends z.ZodType>(
  supabase: SupabaseLike,
  fn: F,
  args: Rpc[F]['Args'],
  schema: S,
  signal?: AbortSignal,
): Promise<z.output<S>> {
  const query = supabase.rpc(fn, args);
  const { data, error, status } = await (signal ? query.abortSignal(signal) : query);
  // postgrest-js reports a failed fetch as status 0.
  if (error) throw new ChatApiError(error.message, status || null, error.code || 'rpc_error');
  return validate(schema, data, status);
}

function validate<S extends z.ZodType>(schema: S, data: unknown, status: number): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new ChatApiError('the server answered in an unexpected shape', status, 'invalid_response', result.error.issues);
  }
  return result.data;
}

/** functions.invoke hands back the Response for HTTP and relay errors, and none when the request never got one. */
async function functionError(error: Error, response: Response | undefined): Promise<ChatApiError> {
  if (!response) return new ChatApiError(error.message, null, 'network_error');
  const body = ErrorBody.safeParse(await response.json().catch(() => null));
  return body.success
    ? new ChatApiError(body.data.error.message, response.status, body.data.error.code, body.data.error.issues)
    : new ChatApiError(`HTTP ${response.status}`, response.status, 'http_error');
}
