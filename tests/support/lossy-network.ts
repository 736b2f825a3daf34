// A fetch that loses answers: the request reaches the server, which acts on it, and the answer never
// arrives; the caller waits until its signal aborts, as on a hung connection. For supabase-js's
// `global.fetch`, so the client's own requests (functions, RPCs) go through it; Realtime's socket does not.

export interface LossyNetwork {
  fetch: typeof fetch;
  /** Lose the next `times` answers to requests for `path` (e.g. '/functions/v1/chat-send'). */
  lose(path: string, times?: number): void;
  /** While on, lose every answer. */
  loseAll(on: boolean): void;
  /** The paths whose answers were lost, in order. */
  readonly lost: string[];
}

export function lossyNetwork(): LossyNetwork {
  const losing = new Map<string, number>();
  const lost: string[] = [];
  let all = false;
  const losesNext = (path: string): boolean => {
    if (all) return true;
    const left = losing.get(path) ?? 0;
    if (left === 0) return false;
    losing.set(path, left - 1);
    return true;
  };
  const lossyFetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const path = new URL(url).pathname;
    const answer = await fetch(input, init);
    if (!losesNext(path)) return answer;
    lost.push(path);
    await answer.arrayBuffer();
    return new Promise<never>((_, reject) => {
      const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  };
  return {
    fetch: lossyFetch,
    lose: (path, times = 1) => void losing.set(path, times),
    loseAll: (on) => void (all = on),
    lost,
  };
}
