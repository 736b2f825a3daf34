// Throughput: K senders in one conversation send as fast as their answers come back for a fixed
// time; then every participant must hold every message exactly once (zero loss, no duplicates).
import { type Bench, createConversation, createUsers, type Design, sendFor, subscribe } from './harness.ts';
import { round } from './stats.ts';

export interface ThroughputResult {
  design: Design;
  senders: number;
  participants: number;
  seconds: number;
  sent: number;
  messagesPerSecond: number;
  /** Deliveries that never arrived (participant × message), after waiting for the stragglers. */
  lost: number;
  duplicates: number;
  drainMs: number;
}

export async function throughput(bench: Bench, design: Design, senderCounts: number[], seconds: number, participants = 32): Promise<ThroughputResult[]> {
  const users = await createUsers(bench, participants);
  const chatId = await createConversation(bench, users[0], users.slice(1));
  const subscribers = await subscribe(bench, users, design);
  const received = new Map<string, Map<string, number>>(users.map((u) => [u.id, new Map()]));
  subscribers.onMessage((id, _at, userId) => {
    const seen = received.get(userId)!;
    seen.set(id, (seen.get(id) ?? 0) + 1);
  });

  const results: ThroughputResult[] = [];
  try {
    for (const senders of senderCounts) {
      const ids: string[] = [];
      const deadline = performance.now() + seconds * 1000;
      await Promise.all(users.slice(0, senders).map(async (sender, s) => {
        const send = sendFor(bench, design, sender, chatId);
        for (let i = 0; performance.now() < deadline; i++) ids.push(await send(`s${s}-${i}`));
      }));
      const elapsed = seconds * 1000;
      const drainStart = performance.now();
      const missing = () => users.reduce((n, u) => n + ids.filter((id) => !received.get(u.id)!.has(id)).length, 0);
      while (missing() > 0 && performance.now() - drainStart < 60_000) await new Promise((r) => setTimeout(r, 20));
      const duplicates = users.reduce((n, u) => n + ids.filter((id) => (received.get(u.id)!.get(id) ?? 0) > 1).length, 0);
      results.push({
        design,
        senders,
        participants,
        seconds,
        sent: ids.length,
        messagesPerSecond: round(ids.length / (elapsed / 1000)),
        lost: missing(),
        duplicates,
        drainMs: round(performance.now() - drainStart),
      });
    }
    return results;
  } finally {
    await subscribers.close();
  }
}
