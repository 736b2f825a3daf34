// The function's own latency: time until chat-send answers, over many sequential sends from a client
// process, with what each send cost the stack. Nobody subscribes: this is the write path alone.
import { type Bench, clientProcess, type Counts, counts, createConversation, createUsers, perSend } from './harness.ts';
import { type Distribution, distribution } from './stats.ts';

export interface FunctionLatencyResult {
  participants: number;
  sends: number;
  answered: Distribution;
  perSend: Counts;
}

export async function functionLatency(bench: Bench, participants: number, rounds: number, sendsPerRound: number): Promise<FunctionLatencyResult> {
  const users = await createUsers(bench, participants);
  const chatId = await createConversation(bench, users[0], users.slice(1));
  const sender = await clientProcess(bench);
  try {
    await sender.send('ours', users[0], chatId, 'warm-up');
    // Broadcasts run after the answer; let each finish so the counts below belong to these sends only.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
    await settle();
    const before = counts(bench);
    const answeredRounds: number[][] = [];
    for (let r = 0; r < rounds; r++) {
      const samples: number[] = [];
      for (let i = 0; i < sendsPerRound; i++) {
        const sent = await sender.send('ours', users[0], chatId, `r${r}-${i}`);
        samples.push(sent.answered - sent.started);
      }
      answeredRounds.push(samples);
    }
    await settle();
    return { participants, sends: rounds * sendsPerRound, answered: distribution(answeredRounds), perSend: perSend(before, counts(bench), rounds * sendsPerRound) };
  } finally {
    await sender.close();
  }
}
