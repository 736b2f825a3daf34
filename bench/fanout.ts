// Fan-out: one sender, N participants each on their own client, sends one at a time. For each send:
// the time from calling the function until every participant has the message, plus the database
// round trips and Realtime HTTP requests the stack served for it.
import { type Bench, createConversation, createUsers, type Design, sendFor, subscribe } from './harness.ts';
import { median, percentile, round } from './stats.ts';

export interface FanoutResult {
  design: Design;
  participants: number;
  sends: number;
  dbRoundTripsPerMessage: number;
  realtimeRequestsPerMessage: number;
  deliveryMedianMs: number;
  deliveryP99Ms: number;
  /** Until the function answered (ours: after the RPC; the seed: after insert and participants query). */
  responseMedianMs: number;
  /** Ours only, from the function's own log lines: the RPC, and the Realtime request(s). */
  rpcMedianMs?: number;
  broadcastMedianMs?: number;
}

export async function fanout(bench: Bench, design: Design, participants: number, sends: number): Promise<FanoutResult> {
  const users = await createUsers(bench, participants);
  const chatId = await createConversation(bench, users[0], users.slice(1));
  const subscribers = await subscribe(bench, users, design);
  const arrivals = new Map<string, number[]>();
  subscribers.onMessage((id, at) => arrivals.set(id, [...(arrivals.get(id) ?? []), at]));
  const send = sendFor(bench, design, users[0], chatId);

  async function once(text: string) {
    const started = performance.now();
    const id = await send(text);
    const answered = performance.now();
    const deadline = Date.now() + 60_000;
    while ((arrivals.get(id)?.length ?? 0) < participants) {
      if (Date.now() > deadline) throw new Error(`${design}: ${text} reached ${arrivals.get(id)?.length ?? 0}/${participants} in 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return { delivery: Math.max(...arrivals.get(id)!) - started, response: answered - started };
  }

  try {
    await once('warm-up');
    const before = bench.stack.requestCounts();
    const logsBefore = bench.logs.length;
    const samples = [];
    for (let i = 0; i < sends; i++) samples.push(await once(`m${i}`));
    const after = bench.stack.requestCounts();
    const sent = bench.logs.slice(logsBefore).filter((l) => l.event === 'chat_send_broadcast_sent' && l.chat_id === chatId);
    return {
      design,
      participants,
      sends,
      dbRoundTripsPerMessage: round((after.rest - before.rest) / sends, 2),
      realtimeRequestsPerMessage: round((after.realtimeApi - before.realtimeApi) / sends, 2),
      deliveryMedianMs: round(median(samples.map((s) => s.delivery))),
      deliveryP99Ms: round(percentile(samples.map((s) => s.delivery), 99)),
      responseMedianMs: round(median(samples.map((s) => s.response))),
      ...(design === 'ours'
        ? {
          rpcMedianMs: round(median(sent.map((l) => Number(l.run_ms)))),
          broadcastMedianMs: round(median(sent.map((l) => Number(l.duration_ms)))),
        }
        : {}),
    };
  } finally {
    await subscribers.close();
  }
}
