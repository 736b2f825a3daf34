// The function's own latency: time until chat-send answers, over many sequential sends, with the
// round trips and Realtime requests it caused. Nobody subscribes: this is the write path alone.
import { type Bench, createConversation, createUsers, sendFor } from './harness.ts';
import { median, percentile, round } from './stats.ts';

export interface FunctionLatencyResult {
  participants: number;
  sends: number;
  medianMs: number;
  p99Ms: number;
  dbRoundTripsPerMessage: number;
  realtimeRequestsPerMessage: number;
}

export async function functionLatency(bench: Bench, participants: number, sends: number): Promise<FunctionLatencyResult> {
  const users = await createUsers(bench, participants);
  const send = sendFor(bench, 'ours', users[0], await createConversation(bench, users[0], users.slice(1)));
  await send('warm-up');
  // Broadcasts run after the answer; let each finish so the counts below belong to these sends only.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  await settle();
  const before = bench.stack.requestCounts();
  const samples: number[] = [];
  for (let i = 0; i < sends; i++) {
    const started = performance.now();
    await send(`m${i}`);
    samples.push(performance.now() - started);
  }
  await settle();
  const after = bench.stack.requestCounts();
  return {
    participants,
    sends,
    medianMs: round(median(samples)),
    p99Ms: round(percentile(samples, 99)),
    dbRoundTripsPerMessage: round((after.rest - before.rest) / sends, 2),
    realtimeRequestsPerMessage: round((after.realtimeApi - before.realtimeApi) / sends, 2),
  };
}
