import { describe, expect, it } from 'vitest';
import { ChatApiError, isRetryable } from '../api.ts';
import { Backoff, retryWithBackoff } from '../backoff.ts';

describe('Backoff', () => {
  it('grows by the factor and stops at the cap', () => {
    const backoff = new Backoff({ baseMs: 100, factor: 2, maxMs: 1000, jitter: 0 });
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('never exceeds the cap, however many attempts', () => {
    const backoff = new Backoff({ baseMs: 1000, maxMs: 30_000, jitter: 0 });
    for (let i = 0; i < 2000; i++) expect(backoff.next()).toBeLessThanOrEqual(30_000);
  });

  it('shaves at most the jitter share off each delay', () => {
    const shaveAll = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0.999_999 });
    const shaveNone = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 });
    expect(shaveNone.next()).toBe(100);
    expect(shaveAll.next()).toBeCloseTo(50, 3);

    const random = new Backoff({ baseMs: 100, factor: 2, maxMs: 1000, jitter: 0.3 });
    const ceilings = [100, 200, 400, 800, 1000, 1000, 1000, 1000];
    for (const ceiling of ceilings) {
      const delay = random.next();
      expect(delay).toBeGreaterThanOrEqual(ceiling * 0.7);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('keeps jitter within 0 and 1', () => {
    expect(new Backoff({ baseMs: 100, jitter: 5, random: () => 0.999_999 }).next()).toBeGreaterThanOrEqual(0);
    expect(new Backoff({ baseMs: 100, jitter: -1, random: () => 0.5 }).next()).toBe(100);
  });

  it('starts over from the base delay after reset', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000, jitter: 0 });
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});

describe('retryWithBackoff', () => {
  const noDelay = { baseMs: 0, maxMs: 0 };
  const failing = (errors: unknown[]) => {
    let calls = 0;
    const task = async () => {
      const error = errors[calls++];
      if (error) throw error;
      return calls;
    };
    return { task, calls: () => calls };
  };

  it('retries retryable failures until one succeeds', async () => {
    const { task, calls } = failing([new ChatApiError('down', 503, 'x'), new ChatApiError('offline', null, 'network_error')]);
    await expect(retryWithBackoff(task, { ...noDelay, isRetryable })).resolves.toBe(3);
    expect(calls()).toBe(3);
  });

  it('gives up after the attempts and rethrows the last error', async () => {
    const last = new ChatApiError('still down', 500, 'x');
    const { task, calls } = failing([new ChatApiError('down', 500, 'x'), last, new ChatApiError('never', 500, 'x')]);
    await expect(retryWithBackoff(task, { ...noDelay, attempts: 2, isRetryable })).rejects.toBe(last);
    expect(calls()).toBe(2);
  });

  it('does not retry a refusal', async () => {
    const refusal = new ChatApiError('not a participant', 403, 'forbidden');
    const { task, calls } = failing([refusal]);
    await expect(retryWithBackoff(task, { ...noDelay, isRetryable })).rejects.toBe(refusal);
    expect(calls()).toBe(1);
  });

  it('stops once the signal aborts', async () => {
    const controller = new AbortController();
    const task = async () => {
      controller.abort(new Error('stopped'));
      throw new ChatApiError('down', 500, 'x');
    };
    await expect(retryWithBackoff(task, { ...noDelay, isRetryable, signal: controller.signal })).rejects.toThrow('down');
  });
});

describe('ChatApiError.retryable', () => {
  it('is true for lost requests and server faults, false for refusals', () => {
    expect(new ChatApiError('offline', null, 'network_error').retryable).toBe(true);
    expect(new ChatApiError('fault', 500, 'internal').retryable).toBe(true);
    expect(new ChatApiError('bad gateway', 502, 'http_error').retryable).toBe(true);
    for (const status of [400, 401, 403, 404, 413]) expect(new ChatApiError('no', status, 'x').retryable).toBe(false);
    expect(isRetryable(new Error('not an API error'))).toBe(false);
  });
});
