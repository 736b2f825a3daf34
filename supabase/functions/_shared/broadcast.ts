// Fans events out through Realtime's REST batch endpoint within the project's Realtime quota.
// Hosted Realtime counts every message sent AND every delivery to a subscriber against
// max_events_per_second (a 60 s average, updated every 5 s), refuses a batch larger than what the
// average leaves (429 "Too many messages to broadcast, please reduce the batch size"), refuses
// everything once the average is over (429 "You have exceeded your rate limit"), and shuts down
// every channel that receives a message while it is over. So this broadcaster spends only a share
// of the budget (a token bucket, in events), sends batches no larger than the rest of the budget
// leaves, and never a body hosted would refuse. One queue per conversation keeps its events in
// order; conversations take turns, so a large one does not hold up the others. A failure is logged
// and reported, never thrown: the messages are already stored and clients catch up from the database.
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
  now?: () => number;
}

export interface BroadcastOptions {
  /** The queue that keeps these messages in order; default the context's chat_id. */
  lane?: string;
  /** Deliveries expected per message, when not the configured one (a topic many members have open). */
  deliveriesPerMessage?: number;
}

export type Broadcast = (
  messages: RealtimeMessage[],
  context: { logPrefix: string } & LogFields,
  options?: BroadcastOptions,
) => Promise<BroadcastResult>;

/** Hosted's texts for its two events/s refusals (lib/realtime/tenants/batch_broadcast.ex). */
export const BATCH_TOO_LARGE = 'Too many messages to broadcast, please reduce the batch size';
export const RATE_EXCEEDED = 'You have exceeded your rate limit';
/** Realtime recomputes its average every 5 s; an over-limit project cannot recover sooner. */
const REALTIME_TICK_MS = 5000;
/** Plug.Parsers refuses bodies over 8,000,000 bytes; keep room for the envelope. */
const MAX_BODY_BYTES = 7_900_000;

export interface BroadcastBudget {
  /** Events per second this broadcaster spends (ingress plus expected deliveries). */
  eventsPerSecond: number;
  /** Realtime messages per request. */
  chunkMessages: number;
  /** Events one message costs: itself plus its expected deliveries. */
  costPerMessage: number;
}

/**
 * With our own average at `rate` (plus at most one chunk's burst spread over the 60 s window), a
 * batch of B passes hosted's check while B + rate + B·cost/60 <= max.
 */
export function broadcastBudget(config: BroadcastConfig): BroadcastBudget {
  const costPerMessage = 1 + config.deliveriesPerMessage;
  const eventsPerSecond = config.eventsPerSecond * config.quotaShare;
  const room = (config.eventsPerSecond - eventsPerSecond) / (1 + costPerMessage / 60);
  return { eventsPerSecond, costPerMessage, chunkMessages: Math.max(1, Math.min(config.batchSize, Math.floor(room))) };
}

/** One request's worth of messages, already serialized. */
interface Chunk {
  parts: string[];
}

/** Splits serialized messages into chunks of at most `maxMessages` and MAX_BODY_BYTES. */
export function planChunks(messages: RealtimeMessage[], maxMessages: number): Chunk[] {
  const chunks: Chunk[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const message of messages) {
    const part = JSON.stringify(message);
    const size = new TextEncoder().encode(part).length + 1;
    if (current.length > 0 && (current.length >= maxMessages || bytes + size > MAX_BODY_BYTES)) {
      chunks.push({ parts: current });
      current = [];
      bytes = 0;
    }
    current.push(part);
    bytes += size;
  }
  if (current.length > 0) chunks.push({ parts: current });
  return chunks;
}

/** A token bucket in events: a chunk waits until the events it will cost have accrued. */
class Pacer {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly capacity: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  /**
   * Waits until `cost` has accrued, or a full bucket when it costs more than one holds (a message to a
   * topic many have open): that one goes at once and the debt delays what follows, so the rate holds.
   */
  async take(cost: number): Promise<void> {
    this.refill();
    const needed = Math.min(cost, this.capacity);
    if (this.tokens < needed) await this.sleep(((needed - this.tokens) / this.rate) * 1000);
    this.refill();
    this.tokens -= cost;
  }

  /** After an over-limit answer nothing is saved up: the next chunk waits for fresh budget. */
  drain(): void {
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
  }

  private refill(): void {
    const at = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((at - this.last) / 1000) * this.rate);
    this.last = at;
  }
}

interface Job {
  chunks: Chunk[];
  /** Events one message of this job costs. */
  costPerMessage: number;
  result: BroadcastResult;
  done: (result: BroadcastResult) => void;
}

type ChunkOutcome = { attempts: number; reason?: string; split?: Chunk[] };

export function createBroadcaster(deps: BroadcasterDeps): Broadcast {
  const { config, apiKey, log } = deps;
  const doFetch = deps.fetch ?? fetch;
  const sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const budget = broadcastBudget(config);
  const pacer = new Pacer(budget.eventsPerSecond, budget.chunkMessages * budget.costPerMessage, now, sleep);
  // Per conversation, its jobs in arrival order; Map iteration order is the turn order.
  const lanes = new Map<string, Job[]>();
  let working = false;

  async function post(
    chunk: Chunk,
    timeoutMs: number,
  ): Promise<{ status: number; message?: string; retryAfterMs: number }> {
    const response = await doFetch(config.url, {
      method: 'POST',
      headers: { apikey: apiKey, 'Content-Type': 'application/json' },
      body: `{"messages":[${chunk.parts.join(',')}]}`,
      signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
    });
    const retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000;
    if (response.status !== 429) {
      await response.body?.cancel();
      return { status: response.status, retryAfterMs };
    }
    const body = await response.json().catch(() => null);
    return { status: 429, message: typeof body?.message === 'string' ? body.message : undefined, retryAfterMs };
  }

  /**
   * Sends one chunk, retrying within totalTimeoutMs: "reduce the batch size" splits it; any other
   * 429 means the project is over its limit, so sending waits for Realtime's next tick; 5xx and
   * network errors back off up to maxAttempts; other answers are final.
   */
  async function sendChunk(chunk: Chunk): Promise<ChunkOutcome> {
    const deadline = now() + config.totalTimeoutMs;
    let reason = 'no attempt made';
    let failures = 0;
    for (let attempt = 1;; attempt++) {
      const remaining = deadline - now();
      if (remaining <= 0) {
        return { attempts: attempt - 1, reason: `gave up after ${config.totalTimeoutMs} ms: ${reason}` };
      }
      let wait: number;
      try {
        const answer = await post(chunk, remaining);
        if (answer.status >= 200 && answer.status < 300) return { attempts: attempt };
        reason = answer.message ? `HTTP ${answer.status}: ${answer.message}` : `HTTP ${answer.status}`;
        if (answer.status === 429 && answer.message === BATCH_TOO_LARGE && chunk.parts.length > 1) {
          const half = Math.ceil(chunk.parts.length / 2);
          return {
            attempts: attempt,
            split: [{ parts: chunk.parts.slice(0, half) }, { parts: chunk.parts.slice(half) }],
          };
        }
        if (answer.status === 429) {
          pacer.drain();
          wait = Math.max(REALTIME_TICK_MS * (0.5 + random()), answer.retryAfterMs);
        } else if (answer.status >= 500) {
          if (++failures >= config.maxAttempts) return { attempts: attempt, reason };
          wait = Math.max(config.baseDelayMs * 2 ** (failures - 1) * (0.5 + random()), answer.retryAfterMs);
        } else {
          return { attempts: attempt, reason };
        }
      } catch (error) {
        reason = (error as Error).message;
        if (++failures >= config.maxAttempts) return { attempts: attempt, reason };
        wait = config.baseDelayMs * 2 ** (failures - 1) * (0.5 + random());
      }
      await sleep(Math.min(wait, Math.max(deadline - now(), 0)));
    }
  }

  /** Sends a job's next chunk once the events it costs have accrued. */
  async function serve(job: Job): Promise<void> {
    const chunk = job.chunks.shift()!;
    await pacer.take(chunk.parts.length * job.costPerMessage);
    const outcome = await sendChunk(chunk);
    job.result.attempts += outcome.attempts;
    if (outcome.split) {
      job.chunks.unshift(...outcome.split);
      return;
    }
    job.result.requests++;
    if (outcome.reason) Object.assign(job.result, { ok: false, reason: outcome.reason });
  }

  /** One chunk per conversation per turn; the lane just served goes to the back. */
  async function work(): Promise<void> {
    working = true;
    try {
      for (let next = lanes.entries().next(); !next.done; next = lanes.entries().next()) {
        const [key, jobs] = next.value;
        const job = jobs[0];
        await serve(job);
        if (job.chunks.length === 0) {
          jobs.shift();
          job.done(job.result);
        }
        lanes.delete(key);
        if (jobs.length > 0) lanes.set(key, jobs);
      }
    } finally {
      working = false;
    }
  }

  return async (messages, { logPrefix, ...fields }, options = {}) => {
    const started = now();
    const key = options.lane ?? (typeof fields.chat_id === 'string' ? fields.chat_id : '');
    const chunks = planChunks(messages, budget.chunkMessages);
    const costPerMessage = options.deliveriesPerMessage === undefined ? budget.costPerMessage : 1 + options.deliveriesPerMessage;
    const result = await new Promise<BroadcastResult>((done) => {
      const job: Job = { chunks, costPerMessage, result: { ok: true, messages: messages.length, requests: 0, attempts: 0 }, done };
      if (chunks.length === 0) return done(job.result);
      const lane = lanes.get(key);
      if (lane) lane.push(job);
      else lanes.set(key, [job]);
      if (!working) void work();
    });
    log(`${logPrefix}_broadcast_${result.ok ? 'sent' : 'failed'}`, {
      ...fields,
      realtime_messages: result.messages,
      requests: result.requests,
      attempts: result.attempts,
      duration_ms: now() - started,
      ...(result.reason ? { reason: result.reason } : {}),
    });
    return result;
  };
}
