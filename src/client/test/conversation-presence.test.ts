import { describe, expect, it } from 'vitest';
import { ConversationPresence, conversationTopic, TypingRoster, TypingThrottle } from '../conversation-presence.ts';

describe('TypingThrottle', () => {
  it('lets one announcement through per interval, and again at once after reset', () => {
    let now = 1000;
    const throttle = new TypingThrottle(3000, () => now);
    expect(throttle.take()).toBe(true);
    now += 2999;
    expect(throttle.take()).toBe(false);
    now += 1;
    expect(throttle.take()).toBe(true);
    throttle.reset();
    expect(throttle.take()).toBe(true);
  });
});

describe('TypingRoster', () => {
  it('expires each typer on the receiver side after their last announcement', () => {
    let now = 0;
    const roster = new TypingRoster(5000, () => now);
    expect(roster.heardFrom('bob')).toBe(true);
    now = 3000;
    expect(roster.heardFrom('bob')).toBe(false);
    expect(roster.heardFrom('carol')).toBe(true);
    expect(roster.typers()).toEqual(['bob', 'carol']);
    expect(roster.nextExpiryIn()).toBe(5000);
    now = 8000;
    expect(roster.typers()).toEqual([]);
    expect(roster.nextExpiryIn()).toBeNull();
  });

  it('forgets a typer who sent a message', () => {
    const roster = new TypingRoster(5000, () => 0);
    roster.heardFrom('bob');
    expect(roster.stopped('bob')).toBe(true);
    expect(roster.typers()).toEqual([]);
  });

  it('names the topic chat:<chat_id>', () => {
    expect(conversationTopic('6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11')).toBe('chat:6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11');
  });
});

describe('ConversationPresence', () => {
  it('hands out bound subscribe and getSnapshot, as useSyncExternalStore calls them', () => {
    // Nothing touches the client before join().
    const room = new ConversationPresence({} as never, '6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11', { userId: 'u' });
    const { subscribe, getSnapshot } = room;
    const unsubscribe = subscribe(() => {});
    expect(getSnapshot()).toEqual({ typing: [], online: [] });
    expect(unsubscribe()).toBe(true);
  });
});
