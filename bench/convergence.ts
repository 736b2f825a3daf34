// Recovery: B's InboxStore holds a conversation, Realtime goes down, A sends N messages, Realtime
// comes back. Measured: from Realtime being back until B holds all N, in order, each once.
import { InboxStore, isOptimistic } from 'supabase-realtime-inbox/client';
import { type Bench, callFunction, createConversation, createUsers, signUpUser } from './harness.ts';
import { round } from './stats.ts';

export interface ConvergenceResult {
  missed: number;
  /** From Realtime being back: includes realtime-js's reconnect backoff (1 s after a drop). */
  convergeMs: number;
  /** From the channel being joined again: the catch-up reads alone. */
  catchUpMs: number;
  held: number;
  inOrder: boolean;
}

export async function convergence(bench: Bench, missedCounts: number[]): Promise<ConvergenceResult[]> {
  const { user: b, client } = await signUpUser(bench, 'converge');
  const [a] = await createUsers(bench, 1);
  const store = new InboxStore(client, { onError: () => {} });
  await store.start();

  const results: ConvergenceResult[] = [];
  try {
    for (const missed of missedCounts) {
      const chatId = await createConversation(bench, a, [b]);
      await callFunction(bench, 'chat-send', a, { chat_id: chatId, text: 'before' });
      const held = () => (store.getSnapshot().messages[chatId] ?? []).filter((m) => !isOptimistic(m));
      while (held().length < 1) await new Promise((r) => setTimeout(r, 5));

      await bench.stack.realtime.stop();
      for (let sent = 0; sent < missed; sent += 100) {
        const messages = Array.from({ length: Math.min(100, missed - sent) }, (_, i) => ({ text: `missed ${sent + i}` }));
        await callFunction(bench, 'chat-send', a, { chat_id: chatId, messages });
      }
      let rejoined = NaN;
      const stopWatching = store.service.onStatus((status) => {
        if (status === 'subscribed' && Number.isNaN(rejoined)) rejoined = performance.now();
      });
      const started = performance.now();
      bench.stack.realtime.start();
      const deadline = Date.now() + 120_000;
      while (held().length < missed + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const converged = performance.now();
      stopWatching();
      const convergeMs = round(converged - started);
      const catchUpMs = round(converged - rejoined);
      const numbers = held().map((m) => m.message_number);
      results.push({ missed, convergeMs, catchUpMs, held: numbers.length - 1, inOrder: numbers.every((n, i) => n === i + 1) });
    }
    return results;
  } finally {
    store.stop();
    client.realtime.disconnect();
  }
}
