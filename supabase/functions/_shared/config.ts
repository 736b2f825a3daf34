// Configuration from the environment the platform injects. Accepts the new key variables
// (SUPABASE_PUBLISHABLE_KEYS / SUPABASE_SECRET_KEYS, JSON maps) and the legacy ones.

export type EnvReader = (name: string) => string | undefined;

export interface BroadcastConfig {
  url: string;
  /** Upper bound on Realtime messages per HTTP request; the quota usually sets a lower one. */
  batchSize: number;
  maxAttempts: number;
  baseDelayMs: number;
  /** Upper bound on the time one request may spend being retried. */
  totalTimeoutMs: number;
  /** The project's Realtime max_events_per_second: Free 100, Pro 500, Team 2,500. */
  eventsPerSecond: number;
  /** The share of it the broadcaster spends, leaving the rest as headroom (0 < share < 1). */
  quotaShare: number;
  /** Open channels expected per recipient (devices, tabs): each delivery costs an event too. */
  deliveriesPerMessage: number;
}

/**
 * How a send reaches its recipients.
 * - `separate` (default): every recipient gets each message-insert, then a conversation-update (reason
 *   `message`) with their own summary: M + 1 Realtime messages per recipient for M messages. What the
 *   seeds' frontends expect.
 * - `inline`: the summary rides on the last message-insert (its `conversation` field) and that
 *   conversation-update is not sent: M per recipient. Needs clients that read the field
 *   (supabase-realtime-inbox does); others keep a stale unread count until they re-read chat_inbox.
 */
export type SummaryDelivery = 'separate' | 'inline';

export interface FanoutConfig {
  summary: SummaryDelivery;
  /**
   * From this many recipients a send is delivered as a large conversation's: the messages once on the
   * conversation's message topic, and one coalesced conversation-update per recipient per window.
   * 0 (default) never: it needs clients that open that topic (InboxStore.openConversation).
   */
  largeMembers: number;
  /** A large conversation's inbox updates go out at most once per this long (ms) per function instance. */
  largeWindowMs: number;
  /** The share of a large conversation's members expected to have it open: what a topic broadcast costs. */
  largeViewerShare: number;
}

export interface FunctionConfig {
  supabaseUrl: string;
  publishableKey: string;
  /** Every key that authenticates a server-to-server caller (new secret keys, legacy service_role). */
  secretKeys: string[];
  /** The key the functions themselves use for Realtime and admin calls. */
  secretKey: string;
  broadcast: BroadcastConfig;
  fanout: FanoutConfig;
}

function keysFrom(json: string | undefined): string[] {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json);
    return Object.values(parsed ?? {}).filter((value): value is string => typeof value === 'string' && value !== '');
  } catch {
    throw new Error('SUPABASE_PUBLISHABLE_KEYS / SUPABASE_SECRET_KEYS must be a JSON object of key names to keys');
  }
}

function positiveInt(env: EnvReader, name: string, fallback: number): number {
  const raw = env(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

function fraction(env: EnvReader, name: string, fallback: number): number {
  const raw = env(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!(value > 0 && value < 1)) throw new Error(`${name} must be a number between 0 and 1, got ${raw}`);
  return value;
}

function nonNegative(env: EnvReader, name: string, fallback: number): number {
  const raw = env(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

function oneOf<T extends string>(env: EnvReader, name: string, values: readonly T[], fallback: T): T {
  const raw = env(name);
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${values.join(', ')}, got ${raw}`);
  return raw as T;
}

function nonNegativeInt(env: EnvReader, name: string, fallback: number): number {
  const value = nonNegative(env, name, fallback);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a non-negative integer, got ${env(name)}`);
  return value;
}

function share(env: EnvReader, name: string, fallback: number): number {
  const value = nonNegative(env, name, fallback);
  if (value > 1) throw new Error(`${name} must be a number from 0 to 1, got ${env(name)}`);
  return value;
}

export function loadConfig(env: EnvReader): FunctionConfig {
  const supabaseUrl = env('SUPABASE_URL');
  if (!supabaseUrl) throw new Error('SUPABASE_URL is not set');
  const publishableKey = keysFrom(env('SUPABASE_PUBLISHABLE_KEYS'))[0] ?? env('SUPABASE_ANON_KEY');
  const secretKeys = [...keysFrom(env('SUPABASE_SECRET_KEYS')), env('SUPABASE_SERVICE_ROLE_KEY')]
    .filter((key): key is string => Boolean(key));
  if (!publishableKey) throw new Error('neither SUPABASE_PUBLISHABLE_KEYS nor SUPABASE_ANON_KEY is set');
  if (secretKeys.length === 0) throw new Error('neither SUPABASE_SECRET_KEYS nor SUPABASE_SERVICE_ROLE_KEY is set');
  return {
    supabaseUrl,
    publishableKey,
    secretKeys,
    secretKey: secretKeys[0],
    broadcast: {
      url: env('CHAT_BROADCAST_URL') ?? `${supabaseUrl.replace(/\/$/, '')}/realtime/v1/api/broadcast`,
      batchSize: positiveInt(env, 'CHAT_BROADCAST_BATCH_SIZE', 500),
      maxAttempts: positiveInt(env, 'CHAT_BROADCAST_MAX_ATTEMPTS', 4),
      baseDelayMs: positiveInt(env, 'CHAT_BROADCAST_BASE_DELAY_MS', 100),
      totalTimeoutMs: positiveInt(env, 'CHAT_BROADCAST_TIMEOUT_MS', 20_000),
      eventsPerSecond: positiveInt(env, 'CHAT_REALTIME_EVENTS_PER_SECOND', 100),
      quotaShare: fraction(env, 'CHAT_BROADCAST_QUOTA_SHARE', 0.75),
      deliveriesPerMessage: nonNegative(env, 'CHAT_BROADCAST_DELIVERIES_PER_MESSAGE', 1),
    },
    fanout: {
      summary: oneOf(env, 'CHAT_SEND_SUMMARY', ['separate', 'inline'] as const, 'separate'),
      largeMembers: nonNegativeInt(env, 'CHAT_LARGE_CONVERSATION_MEMBERS', 0),
      largeWindowMs: nonNegativeInt(env, 'CHAT_LARGE_CONVERSATION_WINDOW_MS', 5000),
      largeViewerShare: share(env, 'CHAT_LARGE_CONVERSATION_VIEWERS', 0.1),
    },
  };
}
