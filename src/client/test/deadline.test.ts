import { describe, expect, it, vi } from 'vitest';
import { ChatApiError, isRetryable, withDeadline } from '../api.ts';

/** A request that never answers, as a hung connection: it settles only when its signal aborts. */
const hang = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new ChatApiError('aborted', null, 'network_error'))));

describe('withDeadline', () => {
  it('fails a request that gets no answer as a retryable timeout', async () => {
    const error = await withDeadline(hang, 20, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatApiError);
    expect(error).toMatchObject({ status: null, code: 'timeout' });
    expect(isRetryable(error)).toBe(true);
  });

  it('passes through an answer that came in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    try {
      await expect(withDeadline(async () => 'ok', 60_000, new AbortController().signal)).resolves.toBe('ok');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a refusal as it is, even when it arrives as the deadline passes', async () => {
    const refused = new ChatApiError('nope', 403, 'forbidden');
    const late = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(refused)));
    await expect(withDeadline(late, 10, new AbortController().signal)).rejects.toBe(refused);
  });

  it('reports the caller’s own abort as that, not as a timeout', async () => {
    const caller = new AbortController();
    const pending = withDeadline(hang, 10_000, caller.signal).catch((e: unknown) => e);
    caller.abort();
    expect(await pending).toMatchObject({ code: 'network_error' });
  });

  it('0 means no deadline: the caller’s signal is handed through', async () => {
    const caller = new AbortController();
    await withDeadline(async (signal) => expect(signal).toBe(caller.signal), 0, caller.signal);
  });
});
