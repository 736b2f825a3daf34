// The pipeline every chat function shares: CORS and method, caller, bounded body, validation, one
// RPC, then one broadcast. Validation happens before anything touches the database, and a refused
// request writes nothing and broadcasts nothing. User requests are answered first and broadcast in
// the background (EdgeRuntime.waitUntil); server requests (assistant messages) broadcast, then answer.
import type { Broadcast, BroadcastOptions, BroadcastResult } from './broadcast.ts';
import { type Caller, identifyCaller } from './caller.ts';
import type { Coalesce, CoalescedUpdate } from './coalesce.ts';
import type { FanoutConfig, FunctionConfig } from './config.ts';
import type { RealtimeMessage } from './events.ts';
import { corsHeaders, errorResponse, HttpError, json, readJson } from './http.ts';
import type { LogFields, Logger } from './log.ts';
import { clientFor, type DatabaseClient } from './rpc.ts';
import { LIMITS } from './contract/index.ts';

/** Batches up to this many events serialise in well under a millisecond. */
export const DEFER_BROADCAST_ABOVE_EVENTS = 100;

export interface Runtime {
  config: FunctionConfig;
  broadcast: Broadcast;
  /** Large conversations' inbox updates, at most one per window (coalesce.ts). */
  coalesce: Coalesce;
  log: Logger;
  /** EdgeRuntime.waitUntil where the platform provides it; absent (tests), broadcasts are awaited. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export interface Outcome {
  body: Record<string, unknown>;
  events: RealtimeMessage[];
  /** How `events` are queued, when not by chat_id at the configured cost. */
  broadcastOptions?: BroadcastOptions;
  /** Inbox updates that a newer one for the same conversation may replace before they go out. */
  coalesced?: CoalescedUpdate;
  /** Context for the log lines of this request (chat_id, counts…). */
  logFields: LogFields;
  /** Add `broadcast: 'queued' | 'sent' | 'failed'` to the response body. */
  reportBroadcast?: boolean;
}

export interface ChatFunction<Input> {
  /** Log prefix, e.g. chat_send. */
  name: string;
  /** Server-to-server callers (secret key) allowed? */
  allowServer: boolean;
  /** Validates the body (throws HttpError 4xx) before anything touches the database. */
  parse(body: unknown, caller: Caller): Input;
  run(input: Input, context: { caller: Caller; client: DatabaseClient; fanout: FanoutConfig }): Promise<Outcome>;
}

const NOTHING_TO_SEND: BroadcastResult = { ok: true, messages: 0, requests: 0, attempts: 0 };

export function serveChatFunction<Input>(fn: ChatFunction<Input>, runtime: Runtime) {
  const { config, broadcast, coalesce, log } = runtime;

  async function handle(request: Request): Promise<Response> {
    const caller = identifyCaller(request, config);
    if (caller.kind === 'server' && !fn.allowServer) {
      throw new HttpError(403, 'forbidden', `${fn.name} acts for a signed-in user; call it with the user's access token`);
    }
    const input = fn.parse(await readJson(request, LIMITS.bodyBytes), caller);
    const started = performance.now();
    const outcome = await fn.run(input, { caller, client: clientFor(config, caller), fanout: config.fanout });
    const { coalesced } = outcome;
    if (outcome.events.length === 0 && !coalesced) return json(200, outcome.body);

    // run_ms: the RPC round trip plus building the events, for profiling where a request's time goes.
    const logFields = { ...outcome.logFields, run_ms: Math.round(performance.now() - started) };
    log(`${fn.name}_${caller.kind}_broadcasting`, logFields);
    // With a coalesced part, each part's log line says which it is.
    const context = { logPrefix: fn.name, ...logFields };
    const send = () =>
      outcome.events.length === 0
        ? Promise.resolve(NOTHING_TO_SEND)
        : broadcast(outcome.events, coalesced ? { ...context, part: 'messages' } : context, outcome.broadcastOptions);
    const update = () => (coalesced ? coalesce(coalesced, { ...context, part: 'inbox' }) : Promise.resolve(NOTHING_TO_SEND));
    if (caller.kind === 'user' && runtime.waitUntil) {
      // A large batch starts on the next turn, once the answer is on its way: serialising it runs
      // synchronously and would hold the answer back (45 ms at 1000 participants). A small one
      // starts now; waiting for a timer turn cost it ~2 ms.
      const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));
      runtime.waitUntil(outcome.events.length > DEFER_BROADCAST_ABOVE_EVENTS ? nextTurn().then(send) : send());
      // After the messages, so they are queued first; a large conversation's inbox updates are many.
      if (coalesced) runtime.waitUntil(coalesced.events.length > DEFER_BROADCAST_ABOVE_EVENTS ? nextTurn().then(update) : update());
      return json(200, outcome.reportBroadcast ? { ...outcome.body, broadcast: 'queued' } : outcome.body);
    }
    // Server callers hear whether the messages went out; a coalesced update may wait a window, so it
    // is left to the platform where it can be (its loss is repaired by the clients' checkpoint).
    const sending = send();
    const pending = update();
    const result = await sending;
    const later = runtime.waitUntil ? (runtime.waitUntil(pending), NOTHING_TO_SEND) : await pending;
    const ok = result.ok && later.ok;
    return json(200, outcome.reportBroadcast ? { ...outcome.body, broadcast: ok ? 'sent' : 'failed' } : outcome.body);
  }

  return async (request: Request): Promise<Response> => {
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: corsHeaders });
    if (request.method !== 'POST') {
      return errorResponse(new HttpError(405, 'method_not_allowed', `${fn.name} accepts POST only`));
    }
    try {
      return await handle(request);
    } catch (error) {
      if (error instanceof HttpError) {
        log(`${fn.name}_refused`, { status: error.status, code: error.code, message: error.message });
        return errorResponse(error);
      }
      log(`${fn.name}_failed`, { error: String(error) });
      return errorResponse(new HttpError(500, 'internal', `${fn.name} failed unexpectedly`));
    }
  };
}
