// The Realtime server alone: subscribers (in a client process of their own), each on its own private
// inbox channel, and REST batches carrying one message per subscriber, as chat-send's broadcasts do.
// Deliveries per second, from the first batch until the last delivery.
import { type Bench, clientProcess, createUsers } from './harness.ts';
import { round } from './stats.ts';

export interface RealtimeThroughputResult {
  subscribers: number;
  batches: number;
  deliveries: number;
  deliveriesPerSecond: number;
}

export async function realtimeThroughput(bench: Bench, subscribers: number, batches: number): Promise<RealtimeThroughputResult> {
  const users = await createUsers(bench, subscribers);
  const clients = await clientProcess(bench);
  const message = (userId: string, i: number) => ({
    topic: `user-realtime:${userId}`,
    event: 'message-insert',
    private: true,
    payload: { chat_id: userId, message: { id: `rt-${i}`, text: `m${i}` } },
  });
  try {
    await clients.subscribe(users, true);
    const ids: string[] = [];
    const started = performance.now();
    for (let i = 0; i < batches; i++) {
      const response = await fetch(`${bench.stack.url}/realtime/v1/api/broadcast`, {
        method: 'POST',
        headers: { apikey: bench.stack.keys.secretKey, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: users.map((u) => message(u.id, i)) }),
      });
      if (response.status !== 202) throw new Error(`broadcast answered ${response.status}`);
      ids.push(`rt-${i}`);
    }
    const { missing } = await clients.drain(ids, users.map((u) => u.id));
    const seconds = (performance.now() - started) / 1000;
    const deliveries = subscribers * batches - missing;
    return { subscribers, batches, deliveries, deliveriesPerSecond: round(deliveries / seconds) };
  } finally {
    await clients.close();
  }
}
