// The coalescer of large conversations' inbox updates, with the broadcaster replaced by a recorder
// whose broadcasts finish when the test says, and time by a clock that only sleeps move.
import { describe, expect, it } from 'vitest';
import type { Broadcast } from '../_shared/broadcast.ts';
import { createCoalescer } from '../_shared/coalesce.ts';
import type { RealtimeMessage } from '../_shared/events.ts';

const WINDOW = 5000;

function harness({ instant = false } = {}) {
  let now = 0;
  const timers: { at: number; wake: () => void }[] = [];
  const sent: { at: number; tag: string; context: Record<string, unknown> }[] = [];
  const finish: (() => void)[] = [];
  const broadcast: Broadcast = (messages, context) => {
    sent.push({ at: now, tag: (messages[0] as unknown as { tag: string }).tag, context });
    if (instant) return Promise.resolve({ ok: true, messages: messages.length, requests: 1, attempts: 1 });
    return new Promise((resolve) => finish.push(() => resolve({ ok: true, messages: messages.length, requests: 1, attempts: 1 })));
  };
  const coalesce = createCoalescer({
    broadcast,
    windowMs: WINDOW,
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => timers.push({ at: now + ms, wake })),
  });
  const update = (key: string, version: number) =>
    coalesce({ key, version, events: [{ tag: `${key}@${version}` } as unknown as RealtimeMessage] }, { logPrefix: 'chat_send', chat_id: key });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  /** Moves the clock, waking the sleeps that are due. */
  const advance = async (ms: number) => {
    now += ms;
    for (const timer of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.wake();
    }
    await settle();
  };
  return { update, sent, finishNext: async () => (finish.shift()!(), await settle()), settle, advance };
}

describe('createCoalescer', () => {
  it('sends the first update of a quiet conversation at once', async () => {
    const h = harness();
    const done = h.update('a', 1);
    await h.settle();
    expect(h.sent.map((s) => [s.at, s.tag])).toEqual([[0, 'a@1']]);
    await h.finishNext();
    await expect(done).resolves.toMatchObject({ ok: true, requests: 1 });
  });

  it('folds everything that arrives while one is going out into one, the newest, a window after it', async () => {
    const h = harness();
    const first = h.update('a', 1);
    await h.settle();
    const later = [h.update('a', 3), h.update('a', 2), h.update('a', 4)];
    await h.settle();
    expect(h.sent).toHaveLength(1);
    await h.finishNext();
    await h.advance(WINDOW - 1);
    expect(h.sent).toHaveLength(1);
    await h.advance(1);
    expect(h.sent.map((s) => [s.at, s.tag])).toEqual([[0, 'a@1'], [WINDOW, 'a@4']]);
    // The log line of the broadcast tells how many requests it carried.
    expect(h.sent[1]!.context).toMatchObject({ coalesced: 3, chat_id: 'a' });
    await h.finishNext();
    await Promise.all([first, ...later]);
    expect(h.sent).toHaveLength(2);
  });

  it('sends at most one update per window per conversation, whatever the rate', async () => {
    const h = harness({ instant: true });
    const all: Promise<unknown>[] = [];
    for (let version = 1; version <= 20; version++) {
      all.push(h.update('a', version));
      await h.advance(700);
    }
    await h.advance(WINDOW);
    await Promise.all(all);
    const gaps = h.sent.slice(1).map((s, i) => s.at - h.sent[i]!.at);
    expect(gaps.every((gap) => gap >= WINDOW)).toBe(true);
    expect(h.sent.length).toBeLessThan(20);
    expect(h.sent.at(-1)!.tag).toBe('a@20');
  });

  it('never replaces a newer pending update with an older one, and drops one older than what went out', async () => {
    const h = harness();
    h.update('a', 5);
    await h.settle();
    await h.finishNext();
    await expect(h.update('a', 4)).resolves.toMatchObject({ messages: 0, requests: 0 });
    expect(h.sent).toHaveLength(1);
  });

  it('keeps conversations apart: one’s window does not hold up another', async () => {
    const h = harness();
    h.update('a', 1);
    h.update('b', 1);
    await h.settle();
    expect(h.sent.map((s) => [s.at, s.tag])).toEqual([[0, 'a@1'], [0, 'b@1']]);
  });

  it('forgets a conversation quiet for a window: its next update goes at once', async () => {
    const h = harness();
    h.update('a', 1);
    await h.settle();
    await h.finishNext();
    await h.advance(WINDOW);
    h.update('a', 2);
    await h.settle();
    expect(h.sent.map((s) => [s.at, s.tag])).toEqual([[0, 'a@1'], [WINDOW, 'a@2']]);
  });
});
