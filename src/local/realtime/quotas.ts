// Hosted Realtime's tenant quotas (supabase/realtime: config/runtime.exs, lib/realtime/tenants.ex,
// lib/realtime/rate_counter/rate_counter.ex), with the same env names, defaults (the Free plan) and
// averaging, so what passes here passes there.

export interface TenantLimits {
  /** TENANT_MAX_EVENTS_PER_SECOND: ingress plus deliveries, 60 s average. Free 100, Pro 500, Team 2,500. */
  maxEventsPerSecond: number;
  /** TENANT_MAX_JOINS_PER_SECOND: channel joins, 60 s average. */
  maxJoinsPerSecond: number;
  /** TENANT_MAX_CHANNELS_PER_CLIENT: live channels on one socket. */
  maxChannelsPerClient: number;
  /** TENANT_MAX_CONCURRENT_USERS: sockets with at least one joined channel. */
  maxConcurrentUsers: number;
  /** TENANT_MAX_BYTES_PER_SECOND: stored only; hosted Realtime does not enforce it either. */
  maxBytesPerSecond: number;
  /** CHANNEL_ERROR_BACKOFF_MS: every join error is answered after this, the socket stalled meanwhile. */
  channelErrorBackoffMs: number;
  /** CONNECT_ERROR_BACKOFF_MS: every refused WebSocket upgrade is answered after this. */
  connectErrorBackoffMs: number;
  /** CLIENT_PRESENCE_MAX_CALLS: presence events (track, untrack) per channel per window. */
  maxClientPresenceEventsPerWindow: number;
  /** CLIENT_PRESENCE_WINDOW_MS: that window, fixed, opened by the first event. */
  clientPresenceWindowMs: number;
}

export const FREE_PLAN_LIMITS: TenantLimits = {
  maxEventsPerSecond: 100,
  maxJoinsPerSecond: 100,
  maxChannelsPerClient: 100,
  maxConcurrentUsers: 200,
  maxBytesPerSecond: 100_000,
  channelErrorBackoffMs: 5000,
  connectErrorBackoffMs: 2000,
  maxClientPresenceEventsPerWindow: 5,
  clientPresenceWindowMs: 30_000,
};

/**
 * What the hosted plans raise (Supabase docs, Realtime quotas); everything else stays at FREE_PLAN_LIMITS.
 * Same numbers as the README's "run as another plan" lines.
 */
export const PLAN_LIMITS = {
  free: {},
  pro: { maxEventsPerSecond: 500, maxJoinsPerSecond: 500, maxConcurrentUsers: 500 },
  team: { maxEventsPerSecond: 2500, maxJoinsPerSecond: 2500, maxConcurrentUsers: 10_000 },
} as const satisfies Record<string, Partial<TenantLimits>>;
export type Plan = keyof typeof PLAN_LIMITS;

/** A hosted plan's every limit: what it raises, over the Free plan's. */
export const planLimits = (plan: Plan): TenantLimits => ({ ...FREE_PLAN_LIMITS, ...PLAN_LIMITS[plan] });

const ENV_NAMES: Record<keyof TenantLimits, string> = {
  maxEventsPerSecond: 'TENANT_MAX_EVENTS_PER_SECOND',
  maxJoinsPerSecond: 'TENANT_MAX_JOINS_PER_SECOND',
  maxChannelsPerClient: 'TENANT_MAX_CHANNELS_PER_CLIENT',
  maxConcurrentUsers: 'TENANT_MAX_CONCURRENT_USERS',
  maxBytesPerSecond: 'TENANT_MAX_BYTES_PER_SECOND',
  channelErrorBackoffMs: 'CHANNEL_ERROR_BACKOFF_MS',
  connectErrorBackoffMs: 'CONNECT_ERROR_BACKOFF_MS',
  maxClientPresenceEventsPerWindow: 'CLIENT_PRESENCE_MAX_CALLS',
  clientPresenceWindowMs: 'CLIENT_PRESENCE_WINDOW_MS',
};

/** The limits the environment sets, the Free plan's elsewhere; a malformed value is a start-up error. */
export function limitsFromEnv(env: Record<string, string | undefined> = process.env): TenantLimits {
  const limits = { ...FREE_PLAN_LIMITS };
  for (const key of Object.keys(ENV_NAMES) as (keyof TenantLimits)[]) {
    const raw = env[ENV_NAMES[key]];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${ENV_NAMES[key]} must be a non-negative integer, got ${raw}`);
    limits[key] = value;
  }
  return limits;
}

/** Runs callbacks every `ms`; tests substitute a clock they advance by hand. */
export interface Ticker {
  every(ms: number, fn: () => void): { stop(): void };
}

export const realTicker: Ticker = {
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  },
};

const IDLE_SHUTDOWN_MS = 5 * 60_000;

/**
 * RateCounter: it starts on first use and ticks once at once, so its first bucket is empty; every
 * tick pushes the current count onto at most `maxBuckets` buckets and computes avg = sum / buckets /
 * tick seconds (fewer buckets while warming up). Readers see the value of the last tick only. The
 * limit triggers at avg >= limit and clears below it. Every 5 minutes, a counter whose buckets are
 * all zero stops; the next use starts it afresh, as hosted's does.
 */
export class RateCounter {
  private current = 0;
  private buckets: number[] = [];
  private sinceIdleCheck = 0;
  private timer?: { stop(): void };
  private state = { avg: 0, triggered: false };
  /** Everything ever counted, for benchmarks that report quota use. */
  total = 0;

  constructor(
    private readonly ticker: Ticker,
    private readonly tickMs: number,
    private readonly maxBuckets: number,
    private readonly limit?: number,
  ) {}

  get avg(): number {
    this.start();
    return this.state.avg;
  }

  get triggered(): boolean {
    this.start();
    return this.state.triggered;
  }

  add(n = 1): void {
    this.start();
    this.current += n;
    this.total += n;
  }

  stop(): void {
    this.timer?.stop();
    this.timer = undefined;
  }

  private start(): void {
    if (this.timer) return;
    this.current = 0;
    this.buckets = [];
    this.sinceIdleCheck = 0;
    this.state = { avg: 0, triggered: false };
    this.timer = this.ticker.every(this.tickMs, () => this.tick());
    this.tick();
  }

  private tick(): void {
    this.buckets = [this.current, ...this.buckets].slice(0, this.maxBuckets);
    this.current = 0;
    const avg = this.buckets.reduce((a, b) => a + b, 0) / this.buckets.length / (this.tickMs / 1000);
    this.state = { avg, triggered: this.limit !== undefined && avg >= this.limit };
    this.sinceIdleCheck += this.tickMs;
    if (this.sinceIdleCheck >= IDLE_SHUTDOWN_MS) {
      this.sinceIdleCheck = 0;
      if (this.buckets.every((b) => b === 0)) this.stop();
    }
  }
}

/** One project's counters, shared by every socket and REST request of the server. */
export class TenantQuotas {
  /** `{:channel, :events, tenant}`: 5 s tick, 12 buckets. */
  readonly events: RateCounter;
  /** `{:channel, :joins, tenant}`: 5 s tick, 12 buckets. */
  readonly joins: RateCounter;
  /** `{:plug, :requests, tenant}`: 1 s tick, 60 buckets; the REST plug compares it with maxEventsPerSecond. */
  readonly requests: RateCounter;
  /** Sockets that have joined a channel (UsersCounter), until they close. */
  readonly users = new Set<object>();

  constructor(
    readonly limits: TenantLimits,
    ticker: Ticker,
  ) {
    this.events = new RateCounter(ticker, 5000, 12, limits.maxEventsPerSecond);
    this.joins = new RateCounter(ticker, 5000, 12, limits.maxJoinsPerSecond);
    this.requests = new RateCounter(ticker, 1000, 60);
  }

  /** The 429 body of the REST request plug, or null; counts the request either way. */
  requestRefusal(): string | null {
    this.requests.add();
    return Math.trunc(this.requests.avg) >= this.limits.maxEventsPerSecond ? 'Too many requests' : null;
  }

  /** check_rate_limit of BatchBroadcast for a batch of `count` messages. */
  batchRefusal(count: number): string | null {
    if (this.events.avg > this.limits.maxEventsPerSecond) return 'You have exceeded your rate limit';
    if (count + this.events.avg > this.limits.maxEventsPerSecond) return 'Too many messages to broadcast, please reduce the batch size';
    return null;
  }

  /** SingleBroadcast compares with >=. */
  singleRefusal(): string | null {
    return this.events.avg >= this.limits.maxEventsPerSecond ? 'You have exceeded your rate limit' : null;
  }

  stop(): void {
    for (const counter of [this.events, this.joins, this.requests]) counter.stop();
  }
}
