// Capped exponential backoff with jitter, and a retry loop built on it. Shared by the channel
// reconnects (UnifiedChannelService) and the retried reads and sends (InboxStore).

export interface BackoffOptions {
  /** First delay in ms (default 1000). */
  baseMs?: number;
  /** No delay is longer than this (default 30 000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Share of each delay, 0 to 1, that may be shaved off at random (default 0.5), so clients that lost the
   * same server do not all come back at the same instant. */
  jitter?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor({ baseMs = 1000, maxMs = 30_000, factor = 2, jitter = 0.5, random = Math.random }: BackoffOptions = {}) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.factor = factor;
    this.jitter = Math.min(Math.max(jitter, 0), 1);
    this.random = random;
  }

  /** The delay before the next attempt: base·factor^n capped at max, minus up to `jitter` of it. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * this.factor ** this.attempt);
    this.attempt += 1;
    return ceiling * (1 - this.jitter * this.random());
  }

  /** Back to the base delay, after a success. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions extends BackoffOptions {
  /** Tries in all, the first included (default 4). */
  attempts?: number;
}

/**
 * Runs `task` until it succeeds, it fails with an error `isRetryable` refuses, `attempts` are used up,
 * or `signal` aborts. The last error is rethrown.
 */
export async function retryWithBackoff<T>(
  task: () => Promise<T>,
  { attempts = 4, isRetryable, signal, ...backoffOptions }: RetryOptions & {
    isRetryable: (error: unknown) => boolean;
    signal?: AbortSignal;
  },
): Promise<T> {
  const backoff = new Backoff(backoffOptions);
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error) || signal?.aborted) throw error;
      await sleep(backoff.next(), signal);
    }
  }
}
