// Realtime Presence as supabase/realtime runs it (presence_handler.ex, Phoenix.Presence): every
// channel process tracks at most one meta under its presence key; state and diffs are grouped by
// key as {key: {metas: [{...payload, phx_ref}]}}. One registry per server, namespaced like the hub.
import { randomBytes } from 'node:crypto';
import type { Namespace } from './hub.ts';

export type Meta = Record<string, unknown> & { phx_ref: string };
export type PresenceGroup = Record<string, { metas: Meta[] }>;
export interface PresenceDiff {
  joins: PresenceGroup;
  leaves: PresenceGroup;
}

interface Entry {
  key: string;
  meta: Meta;
}

const nsKey = (ns: Namespace) => `${ns.private ? 'private' : 'public'}:${ns.topic}`;

// Phoenix.Tracker refs are opaque strings; clients only compare them.
const newRef = () => randomBytes(9).toString('base64url');

/** Who is tracked on which topic. `tracker` is the channel that tracked (one meta per channel). */
export class PresenceRegistry {
  private readonly topics = new Map<string, Map<object, Entry>>();

  /** presence_state: every tracked meta of the topic, grouped by key. */
  state(ns: Namespace): PresenceGroup {
    const group: PresenceGroup = {};
    for (const { key, meta } of this.topics.get(nsKey(ns))?.values() ?? []) (group[key] ??= { metas: [] }).metas.push(meta);
    return group;
  }

  /** Track, or update when this tracker is tracked already (the old meta leaves, phx_ref_prev joins). */
  track(ns: Namespace, tracker: object, key: string, payload: Record<string, unknown>): PresenceDiff {
    const k = nsKey(ns);
    let entries = this.topics.get(k);
    if (!entries) this.topics.set(k, (entries = new Map()));
    const previous = entries.get(tracker);
    const meta: Meta = { ...payload, phx_ref: newRef() };
    if (previous) meta.phx_ref_prev = previous.meta.phx_ref;
    entries.set(tracker, { key, meta });
    return { joins: { [key]: { metas: [meta] } }, leaves: previous ? { [previous.key]: { metas: [previous.meta] } } : {} };
  }

  /** Untrack; null when the tracker was not tracked (nothing to announce). */
  untrack(ns: Namespace, tracker: object): PresenceDiff | null {
    const k = nsKey(ns);
    const entries = this.topics.get(k);
    const previous = entries?.get(tracker);
    if (!entries || !previous) return null;
    entries.delete(tracker);
    if (entries.size === 0) this.topics.delete(k);
    return { joins: {}, leaves: { [previous.key]: { metas: [previous.meta] } } };
  }
}

/**
 * limit_client_presence_event: a fixed window per channel that the first event opens with
 * counter 1; an event is refused when the counter has reached maxCalls. Every presence event
 * counts, untrack included.
 */
export class ClientPresenceLimit {
  private counter = 0;
  private resetAt?: number;

  constructor(
    private readonly maxCalls: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts the event; false when it is over the limit. */
  allow(): boolean {
    const t = this.now();
    if (this.resetAt === undefined || t > this.resetAt) {
      this.counter = 1;
      this.resetAt = t + this.windowMs;
      return true;
    }
    if (this.counter >= this.maxCalls) return false;
    this.counter++;
    return true;
  }
}
