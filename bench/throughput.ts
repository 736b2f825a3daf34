// Throughput: K senders in one conversation send as fast as their answers come back for a fixed
// window, from a client process of their own; the participants listen in another. Only sends answered
// inside the window count. Ours and the seed alternate over rounds (the order rotates). Afterwards
// every participant must hold every message exactly once (zero loss, no duplicates).
import { type Bench, clientProcess, createConversation, createUsers, type Design } from './harness.ts';
import { middle, round } from './stats.ts';

export interface ThroughputResult {
  design: Design;
  senders: number;
  participants: number;
  seconds: number;
  /** Sends answered inside the window, per second: one value per round. */
  perSecondRounds: number[];
  /** Median over rounds. */
  messagesPerSecond: number;
  /** All sends, including those answered after the window closed. */
  sent: number;
  /** Deliveries that never arrived (participant × message), after waiting for the stragglers. */
  lost: number;
  duplicates: number;
  drainMs: number;
}

export async function throughput(bench: Bench, senderCounts: number[], seconds: number, rounds: number, participants = 32): Promise<ThroughputResult[]> {
  const users = await createUsers(bench, participants);
  const chatId = await createConversation(bench, users[0], users.slice(1));
  const userIds = users.map((u) => u.id);
  const subscribers = await clientProcess(bench);
  const senders = await clientProcess(bench);
  const designs = ['ours', 'seed'] as const;
  const results = new Map<string, ThroughputResult>();
  try {
    await subscribers.subscribe(users, true);
    await subscribers.subscribe(users, false);
    for (let r = 0; r < rounds; r++) {
      for (const count of senderCounts) {
        for (let k = 0; k < designs.length; k++) {
          const design = designs[(r + k) % designs.length];
          const run = await senders.blast(design, users.slice(0, count), chatId, seconds, userIds);
          const inWindow = run.sends.filter((s) => s.answered <= run.deadline).length;
          const ids = run.sends.map((s) => s.id);
          const { missing, duplicates, drainMs } = await subscribers.drain(ids, userIds);
          const key = `${design}:${count}`;
          const result = results.get(key) ??
            { design, senders: count, participants, seconds, perSecondRounds: [], messagesPerSecond: 0, sent: 0, lost: 0, duplicates: 0, drainMs: 0 };
          result.perSecondRounds.push(round(inWindow / seconds));
          result.sent += ids.length;
          result.lost += missing;
          result.duplicates += duplicates;
          result.drainMs = Math.max(result.drainMs, round(drainMs));
          results.set(key, result);
        }
      }
    }
    for (const result of results.values()) result.messagesPerSecond = middle(result.perSecondRounds);
    return designs.flatMap((design) => senderCounts.map((count) => results.get(`${design}:${count}`)!));
  } finally {
    await Promise.all([subscribers.close(), senders.close()]);
  }
}
