// The Realtime server alone: 100 subscribers, each on its own private inbox channel, and REST
// batches carrying one message per subscriber, as chat-send's broadcasts do. Deliveries per second.
import { type Bench, createUsers, subscribe } from './harness.ts';
import { round } from './stats.ts';

export interface RealtimeThroughputResult {
  subscribers: number;
  batches: number;
  deliveries: number;
  deliveriesPerSecond: number;
}

export async function realtimeThroughput(bench: Bench, subscribers: number, batches: number): Promise<RealtimeThroughputResult> {
  const users = await createUsers(bench, subscribers);
  const subs = await subscribe(bench, users, 'ours');
  let delivered = 0;
  subs.onMessage(() => void delivered++);
  const message = (userId: string, i: number) => ({
    topic: `user-realtime:${userId}`,
    event: 'message-insert',
    private: true,
    payload: { chat_id: userId, message: { id: `${i}`, text: `m${i}` } },
  });
  try {
    const started = performance.now();
    for (let i = 0; i < batches; i++) {
      const response = await fetch(`${bench.stack.url}/realtime/v1/api/broadcast`, {
        method: 'POST',
        headers: { apikey: bench.stack.keys.secretKey, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: users.map((u) => message(u.id, i)) }),
      });
      if (response.status !== 202) throw new Error(`broadcast answered ${response.status}`);
    }
    const expected = subscribers * batches;
    const deadline = Date.now() + 60_000;
    while (delivered < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const seconds = (performance.now() - started) / 1000;
    return { subscribers, batches, deliveries: delivered, deliveriesPerSecond: round(delivered / seconds) };
  } finally {
    await subs.close();
  }
}
