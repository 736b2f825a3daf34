import { describe, expect, it } from 'vitest';
import { applyChanges, changeGap } from '../changes.ts';
import type { Message } from 'supabase-realtime-inbox-contract';

const chat_id = '6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11';
const message = (n: number, text: string, version: number | null = null): Message => ({
  id: `00000000-0000-4000-a000-0000000000${String(n).padStart(2, '0')}`,
  chat_id,
  message_number: n,
  user_id: null,
  user_name: null,
  role: 'user',
  text,
  client_msg_id: null,
  status: 'sent',
  meta: {},
  created_at: '2026-12-01T00:00:00.000000Z',
  version,
});

describe('changeGap', () => {
  it('tells stale, next and missed changes apart', () => {
    expect(changeGap(5, 5)).toBe('stale');
    expect(changeGap(5, 4)).toBe('stale');
    expect(changeGap(5, 6)).toBe('next');
    expect(changeGap(5, 8)).toBe('gap');
  });
});

describe('applyChanges', () => {
  it('replaces changed messages, adds new ones, keeps number order', () => {
    const held = [message(1, 'one'), message(2, 'two'), message(3, 'three')];
    const merged = applyChanges(held, { changed: [message(2, '', 9), message(1, 'one, edited', 8)], messages: [message(4, 'four')] });
    expect(merged.map((m) => m.text)).toEqual(['one, edited', '', 'three', 'four']);
  });

  it('never puts an older state over a newer one', () => {
    const held = [message(1, 'edited twice', 9)];
    expect(applyChanges(held, { changed: [message(1, 'edited once', 8)], messages: [] })[0].text).toBe('edited twice');
  });
});
