// A large conversation's inbox updates, coalesced: every recipient gets at most one conversation-update
// per window per conversation, carrying the newest summary, instead of one per message. The first
// update after a quiet window goes out at once; what arrives while it is going out (a fan-out to 1000
// inboxes takes 27 s on the Free plan) or within the window waits and is replaced by anything newer,
// so a burst of sends costs two fan-outs, not one per send.
//
// The state is this function instance's: each instance coalesces (and paces, see broadcast.ts) on its
// own, so with k instances sending into one conversation a recipient may get up to k updates per
// window, in any order. Clients merge summaries by version, so order never matters, and an update an
// instance never sends (it was shut down first) is repaired by the client's checkpoint.
import type { Broadcast, BroadcastResult } from './broadcast.ts';
import type { RealtimeMessage } from './events.ts';
import type { LogFields } from './log.ts';

export interface CoalescedUpdate {
  /** The conversation: updates of one key replace each other. */
  key: string;
  /** The conversation's version they describe: the higher one wins, whatever order they came in. */
  version: number;
  events: RealtimeMessage[];
}

/**
 * Queues an update; resolves with the outcome of the broadcast that carried it or a newer one (at once,
 * with nothing sent, when a newer one already went out).
 */
export type Coalesce = (update: CoalescedUpdate, context: { logPrefix: string } & LogFields) => Promise<BroadcastResult>;

export interface CoalescerDeps {
  broadcast: Broadcast;
  windowMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

interface Pending {
  update: CoalescedUpdate;
  context: { logPrefix: string } & LogFields;
  waiters: ((result: BroadcastResult) => void)[];
}

interface Entry {
  pending?: Pending;
  running: boolean;
  /** When the last broadcast started: the next waits until a window after it. */
  lastStart: number;
  /** The newest version broadcast. */
  sent: number;
}

const NOTHING_SENT: BroadcastResult = { ok: true, messages: 0, requests: 0, attempts: 0 };

export function createCoalescer(deps: CoalescerDeps): Coalesce {
  const { broadcast, windowMs } = deps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const entries = new Map<string, Entry>();

  async function drain(entry: Entry): Promise<void> {
    entry.running = true;
    try {
      while (entry.pending) {
        const wait = entry.lastStart + windowMs - now();
        if (wait > 0) await sleep(wait);
        const { update, context, waiters } = entry.pending;
        entry.pending = undefined;
        entry.lastStart = now();
        const result = await broadcast(update.events, { ...context, coalesced: waiters.length });
        entry.sent = Math.max(entry.sent, update.version);
        for (const done of waiters) done(result);
      }
    } finally {
      entry.running = false;
    }
  }

  /** Conversations quiet for a window are forgotten: their next update may go out at once anyway. */
  function prune(): void {
    const at = now();
    for (const [key, entry] of entries) {
      if (!entry.running && !entry.pending && at - entry.lastStart >= windowMs) entries.delete(key);
    }
  }

  return (update, context) => {
    prune();
    const entry = entries.get(update.key) ?? { running: false, lastStart: -Infinity, sent: -1 };
    entries.set(update.key, entry);
    if (update.version <= entry.sent) return Promise.resolve(NOTHING_SENT);
    return new Promise((resolve) => {
      const pending = entry.pending;
      if (pending && pending.update.version >= update.version) pending.waiters.push(resolve);
      else entry.pending = { update, context, waiters: [...(pending?.waiters ?? []), resolve] };
      if (!entry.running) void drain(entry);
    });
  };
}
