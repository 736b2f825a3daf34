// Fans events out through Realtime's REST batch endpoint: one HTTP request carries every
// recipient's events (chunked only above batchSize), retried with backoff on 429/5xx/network errors
// within a bounded total time. A failure is logged and reported, never thrown: the messages are
// already stored and clients catch up from the database.
import type { BroadcastConfig } from './config.ts';
import type { RealtimeMessage } from './events.ts';
import type { LogFields, Logger } from './log.ts';

export interface BroadcastResult {
  ok: boolean;
  messages: number;
  requests: number;
  attempts: number;
  /** Why the last failing chunk gave up (HTTP status or error). */
  reason?: string;
}

export interface BroadcasterDeps {
  config: BroadcastConfig;
  apiKey: string;
  log: Logger;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export type Broadcast = (messages: RealtimeMessage[], context: { logPrefix: string } & LogFields) => Promise<BroadcastResult>;

const retryable = (status: number) => status === 429 || status >= 500;

export function createBroadcaster(deps: BroadcasterDeps): Broadcast {
  const { config, apiKey, log } = deps;
  const doFetch = deps.fetch ?? fetch;
  const sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;

  async function sendChunk(chunk: RealtimeMessage[], deadline: number): Promise<{ attempts: number; reason?: string }> {
    let reason = 'no attempt made';
    for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { attempts: attempt - 1, reason: `gave up after ${config.totalTimeoutMs} ms: ${reason}` };
      let retryAfterMs = 0;
      try {
        const response = await doFetch(config.url, {
          method: 'POST',
          headers: { apikey: apiKey, 'Content-Type': 'application/json' },
          body: JSON.stringify({ messages: chunk }),
          signal: AbortSignal.timeout(remaining),
        });
        await response.body?.cancel();
        if (response.ok) return { attempts: attempt };
        reason = `HTTP ${response.status}`;
        if (!retryable(response.status)) return { attempts: attempt, reason };
        retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
      } catch (error) {
        reason = (error as Error).message;
      }
      if (attempt < config.maxAttempts) {
        const backoff = config.baseDelayMs * 2 ** (attempt - 1) * (0.5 + random());
        await sleep(Math.min(Math.max(backoff, retryAfterMs), Math.max(deadline - Date.now(), 0)));
      }
    }
    return { attempts: config.maxAttempts, reason };
  }

  return async (messages, { logPrefix, ...fields }) => {
    const started = Date.now();
    const deadline = started + config.totalTimeoutMs;
    const result: BroadcastResult = { ok: true, messages: messages.length, requests: 0, attempts: 0 };
    for (let start = 0; start < messages.length; start += config.batchSize) {
      const outcome = await sendChunk(messages.slice(start, start + config.batchSize), deadline);
      result.requests++;
      result.attempts += outcome.attempts;
      if (outcome.reason) {
        result.ok = false;
        result.reason = outcome.reason;
      }
    }
    log(`${logPrefix}_broadcast_${result.ok ? 'sent' : 'failed'}`, {
      ...fields,
      realtime_messages: result.messages,
      requests: result.requests,
      attempts: result.attempts,
      duration_ms: Date.now() - started,
      ...(result.reason ? { reason: result.reason } : {}),
    });
    return result;
  };
}
