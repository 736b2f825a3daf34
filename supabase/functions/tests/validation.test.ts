// Hostile and bad bodies are refused before anything touches the database.
import { describe, expect, it } from 'vitest';
import type { Caller } from '../_shared/caller.ts';
import { LIMITS } from '../_shared/contract/index.ts';
import { chatCreate } from '../chat-create/handler.ts';
import { chatJoin } from '../chat-join/handler.ts';
import { chatRead } from '../chat-read/handler.ts';
import { chatSend } from '../chat-send/handler.ts';
import { refusal } from './refusal.ts';

const user: Caller = { kind: 'user', token: 'a.b.c' };
const server: Caller = { kind: 'server' };
const chat_id = '6f1c1a3e-8a0e-4d39-9f3a-2b7a1f0c9d11';

describe('chat-send bodies', () => {
  it('accepts a single message and a batch', () => {
    expect(chatSend.parse({ chat_id, text: 'hi', client_msg_id: 'c1' }, user)).toEqual({
      chatId: chat_id,
      items: [{ text: 'hi', client_msg_id: 'c1' }],
    });
    expect(chatSend.parse({ chat_id, messages: [{ text: 'a' }, { text: 'b' }] }, user).items).toHaveLength(2);
  });

  it.each([
    ['a non-object', 'hello'],
    ['null', null],
    ['a missing chat_id', { text: 'hi' }],
    ['a non-uuid chat_id', { chat_id: "1' or '1'='1", text: 'hi' }],
    ['a missing text', { chat_id }],
    ['empty text', { chat_id, text: '' }],
    ['whitespace text', { chat_id, text: ' \n\t ' }],
    ['text of the wrong type', { chat_id, text: 42 }],
    ['text over the limit', { chat_id, text: 'x'.repeat(LIMITS.textChars + 1) }],
    ['an unknown field', { chat_id, text: 'hi', priority: 'high' }],
    ['a forged user_id', { chat_id, text: 'hi', user_id: '00000000-0000-4000-a000-00000000000b' }],
    ['an unknown role', { chat_id, text: 'hi', role: 'admin' }],
    ['meta that is not an object', { chat_id, text: 'hi', meta: [1, 2] }],
    ['oversized meta', { chat_id, text: 'hi', meta: { blob: 'x'.repeat(LIMITS.metaBytes) } }],
    ['an overlong client_msg_id', { chat_id, text: 'hi', client_msg_id: 'k'.repeat(LIMITS.clientMsgIdChars + 1) }],
    ['an empty batch', { chat_id, messages: [] }],
    ['a batch over the limit', { chat_id, messages: Array.from({ length: LIMITS.batchMessages + 1 }, () => ({ text: 'm' })) }],
    ['a batch item with an unknown field', { chat_id, messages: [{ text: 'a', user_id: chat_id }] }],
    ['a batch mixed with a single text', { chat_id, text: 'x', messages: [{ text: 'a' }] }],
  ])('refuses %s with 400 invalid_body', (_name, body) => {
    const error = refusal(() => chatSend.parse(body, user));
    expect(error).toMatchObject({ status: 400, code: 'invalid_body' });
  });

  it('lists each issue with its path', () => {
    const error = refusal(() => chatSend.parse({ chat_id: 'nope', text: '' }, user));
    expect(error.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'chat_id' }), expect.objectContaining({ path: 'text' })]));
  });

  it('keeps SQL in text as text', () => {
    const text = "'); drop table messages; --";
    expect(chatSend.parse({ chat_id, text }, user).items[0].text).toBe(text);
  });

  it('refuses assistant and system messages from a user with 403', () => {
    expect(refusal(() => chatSend.parse({ chat_id, text: 'I am the AI', role: 'assistant' }, user))).toMatchObject({ status: 403 });
    expect(refusal(() => chatSend.parse({ chat_id, messages: [{ text: 'ok' }, { text: 'sys', role: 'system' }] }, user))).toMatchObject({ status: 403 });
  });

  it('refuses user messages from the secret key with 400', () => {
    expect(refusal(() => chatSend.parse({ chat_id, text: 'spoof', role: 'user' }, server))).toMatchObject({ status: 400 });
    expect(chatSend.parse({ chat_id, text: 'answer', role: 'assistant' }, server).items[0].role).toBe('assistant');
  });
});

describe('chat-create, chat-join, chat-read bodies', () => {
  it('accept what the contract allows', () => {
    expect(chatCreate.parse({ title: 'Trip', participant_ids: [chat_id], is_public: true, mode: 'together' }, user)).toMatchObject({ title: 'Trip' });
    expect(chatCreate.parse({}, user)).toEqual({});
    expect(chatJoin.parse({ chat_id }, user)).toEqual({ chat_id });
    expect(chatRead.parse({ chat_id, up_to_number: 3 }, user)).toEqual({ chat_id, up_to_number: 3 });
  });

  it.each([
    [chatCreate, { participant_ids: ['not-a-uuid'] }],
    [chatCreate, { participant_ids: Array.from({ length: LIMITS.participantIds + 1 }, () => chat_id) }],
    [chatCreate, { title: 't'.repeat(LIMITS.titleChars + 1) }],
    [chatCreate, { mode: 'Voice Mode' }],
    [chatCreate, { is_public: 'yes' }],
    [chatCreate, { user_id: chat_id }],
    [chatJoin, {}],
    [chatJoin, { chat_id: 'x' }],
    [chatJoin, { chat_id, user_id: chat_id }],
    [chatRead, { chat_id, up_to_number: -1 }],
    [chatRead, { chat_id, up_to_number: 1.5 }],
    [chatRead, { chat_id, up_to_number: '3' }],
  ] as const)('%# refuses a bad body with 400', (fn, body) => {
    expect(refusal(() => fn.parse(body, user))).toMatchObject({ status: 400, code: 'invalid_body' });
  });
});
