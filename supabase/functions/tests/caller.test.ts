import { describe, expect, it } from 'vitest';
import { identifyCaller } from '../_shared/caller.ts';
import { loadConfig } from '../_shared/config.ts';
import { HttpError } from '../_shared/http.ts';

const env: Record<string, string> = {
  SUPABASE_URL: 'http://127.0.0.1:54321',
  SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: 'sb_publishable_x' }),
  SUPABASE_SECRET_KEYS: JSON.stringify({ default: 'sb_secret_y' }),
  SUPABASE_SERVICE_ROLE_KEY: 'legacy.service.jwt',
};
const config = loadConfig((name) => env[name]);
const request = (headers: Record<string, string>) => new Request('http://x/chat-send', { method: 'POST', headers });

describe('loadConfig', () => {
  it('reads the new key maps and the legacy keys', () => {
    expect(config.publishableKey).toBe('sb_publishable_x');
    expect(config.secretKeys).toEqual(['sb_secret_y', 'legacy.service.jwt']);
    expect(config.broadcast.url).toBe('http://127.0.0.1:54321/realtime/v1/api/broadcast');
  });

  it('falls back to the legacy variables alone', () => {
    const legacy = loadConfig((name) => ({ SUPABASE_URL: 'http://h', SUPABASE_ANON_KEY: 'anon.jwt', SUPABASE_SERVICE_ROLE_KEY: 'svc.jwt' })[name]);
    expect([legacy.publishableKey, legacy.secretKey]).toEqual(['anon.jwt', 'svc.jwt']);
  });

  it('delivers sends as the seeds’ frontends expect unless told otherwise: summaries separate, no large conversations', () => {
    expect(config.fanout).toEqual({ summary: 'separate', largeMembers: 0, largeWindowMs: 5000, largeViewerShare: 0.1 });
    const tuned = loadConfig((n) =>
      ({ ...env, CHAT_SEND_SUMMARY: 'inline', CHAT_LARGE_CONVERSATION_MEMBERS: '100', CHAT_LARGE_CONVERSATION_WINDOW_MS: '2000', CHAT_LARGE_CONVERSATION_VIEWERS: '0.25' })[n]
    );
    expect(tuned.fanout).toEqual({ summary: 'inline', largeMembers: 100, largeWindowMs: 2000, largeViewerShare: 0.25 });
  });

  it('refuses missing or malformed settings with the variable named', () => {
    expect(() => loadConfig(() => undefined)).toThrow(/SUPABASE_URL/);
    expect(() => loadConfig((n) => ({ ...env, SUPABASE_SECRET_KEYS: 'nope' })[n])).toThrow(/JSON object/);
    expect(() => loadConfig((n) => ({ ...env, CHAT_BROADCAST_BATCH_SIZE: '0' })[n])).toThrow(/CHAT_BROADCAST_BATCH_SIZE/);
    expect(() => loadConfig((n) => ({ ...env, CHAT_SEND_SUMMARY: 'both' })[n])).toThrow(/CHAT_SEND_SUMMARY must be one of separate, inline/);
    expect(() => loadConfig((n) => ({ ...env, CHAT_LARGE_CONVERSATION_MEMBERS: '1.5' })[n])).toThrow(/CHAT_LARGE_CONVERSATION_MEMBERS/);
    expect(() => loadConfig((n) => ({ ...env, CHAT_LARGE_CONVERSATION_VIEWERS: '2' })[n])).toThrow(/CHAT_LARGE_CONVERSATION_VIEWERS/);
  });
});

describe('identifyCaller', () => {
  it('a user JWT in Authorization is a user, whatever the apikey', () => {
    expect(identifyCaller(request({ authorization: 'Bearer aaa.bbb.ccc', apikey: 'sb_publishable_x' }), config)).toEqual({ kind: 'user', token: 'aaa.bbb.ccc' });
  });

  it('the secret key as apikey or bearer, or the legacy service key, is the server', () => {
    expect(identifyCaller(request({ apikey: 'sb_secret_y' }), config)).toEqual({ kind: 'server' });
    expect(identifyCaller(request({ authorization: 'Bearer sb_secret_y' }), config)).toEqual({ kind: 'server' });
    expect(identifyCaller(request({ authorization: 'Bearer legacy.service.jwt' }), config)).toEqual({ kind: 'server' });
  });

  it.each([
    ['no credentials', {}],
    ['the publishable key only', { apikey: 'sb_publishable_x', authorization: 'Bearer sb_publishable_x' }],
    ['a wrong secret', { apikey: 'sb_secret_z' }],
    ['garbage', { authorization: 'Bearer not-a-token' }],
  ])('refuses %s with 401', (_name, headers) => {
    expect(() => identifyCaller(request(headers), config)).toThrow(HttpError);
    try {
      identifyCaller(request(headers), config);
    } catch (error) {
      expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
    }
  });
});
