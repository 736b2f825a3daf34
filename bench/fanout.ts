// Fan-out: one sender, N participants each on their own supabase-js client and socket, in a client
// process of their own; the sender in another. Ours, the seed design and the same-hops floor take
// turns in every round (the order rotates, and reverses every other round), one send at a time. For
// each send: until the function answered, and until the last participant had the message; plus what
// the stack served for it. With `liteFloor`, a fourth takes its turn too: the floor storing through
// lite as the sender.
import { type Bench, clientProcess, type Counts, counts, createConversation, createUsers, perSend } from './harness.ts';
import { type Distribution, distribution, median, round } from './stats.ts';

export const FANOUT_DESIGNS = ['ours', 'seed', 'floor'] as const;
export type FanoutDesign = (typeof FANOUT_DESIGNS)[number];
type MeasuredDesign = FanoutDesign | 'liteFloor';

export interface FanoutDesignResult {
  /** Per round, the samples in ms (kept so ratios can be taken per round). */
  deliveryRounds: number[][];
  responseRounds: number[][];
  delivery: Distribution;
  response: Distribution;
  perSend: Counts;
  /** Ours only, from the function's log lines: the RPC, and the Realtime request(s). */
  rpcMedianMs?: number;
  broadcastMedianMs?: number;
}

export interface FanoutResult {
  participants: number;
  rounds: number;
  sendsPerRound: number;
  designs: Record<FanoutDesign, FanoutDesignResult> & { liteFloor?: FanoutDesignResult };
}

export async function fanout(
  bench: Bench,
  participants: number,
  rounds: number,
  sendsPerRound: number,
  liteFloor = false,
): Promise<FanoutResult> {
  const measured: readonly MeasuredDesign[] = liteFloor ? [...FANOUT_DESIGNS, 'liteFloor'] : FANOUT_DESIGNS;
  const users = await createUsers(bench, participants);
  const chatId = await createConversation(bench, users[0], users.slice(1));
  const recipients = users.map((u) => u.id);
  // Ours and the floor deliver on private inbox channels, the seed on public ones: each participant
  // has one client per kind, as each design's app would.
  const subscribers = await clientProcess(bench);
  const sender = await clientProcess(bench);
  try {
    await subscribers.subscribe(users, true);
    await subscribers.subscribe(users, false);
    const once = async (design: MeasuredDesign, text: string) => {
      const sent = await sender.send(design, users[0], chatId, text, recipients);
      const last = await subscribers.waitFor(sent.id, participants);
      return { delivery: last - sent.started, response: sent.answered - sent.started };
    };
    for (const design of measured) await once(design, 'warm-up');

    const results = Object.fromEntries(measured.map((d) => [d, { deliveryRounds: [] as number[][], responseRounds: [] as number[][], total: zero() }]));
    const logsBefore = bench.logs.length;
    for (let r = 0; r < rounds; r++) {
      // The start rotates and every other round runs backwards: no design always follows the same one.
      const order = r % 2 === 0 ? measured : [...measured].reverse();
      for (let k = 0; k < order.length; k++) {
        const design = order[(r + k) % order.length];
        const entry = results[design];
        const before = counts(bench);
        const samples = [];
        for (let i = 0; i < sendsPerRound; i++) samples.push(await once(design, `r${r}-${i}`));
        add(entry.total, perSend(before, counts(bench), 1));
        entry.deliveryRounds.push(samples.map((s) => s.delivery));
        entry.responseRounds.push(samples.map((s) => s.response));
      }
    }
    const sent = bench.logs.slice(logsBefore).filter((l) => l.event === 'chat_send_broadcast_sent' && l.chat_id === chatId);
    const sends = rounds * sendsPerRound;
    const designs = Object.fromEntries(measured.map((design) => {
      const { deliveryRounds, responseRounds, total } = results[design];
      return [design, {
        deliveryRounds: deliveryRounds.map((r) => r.map((v) => round(v, 2))),
        responseRounds: responseRounds.map((r) => r.map((v) => round(v, 2))),
        delivery: distribution(deliveryRounds),
        response: distribution(responseRounds),
        perSend: perSend(zero(), total, sends),
        ...(design === 'ours'
          ? { rpcMedianMs: median(sent.map((l) => Number(l.run_ms))), broadcastMedianMs: median(sent.map((l) => Number(l.duration_ms))) }
          : {}),
      } satisfies FanoutDesignResult];
    })) as FanoutResult['designs'];
    return { participants, rounds, sendsPerRound, designs };
  } finally {
    await Promise.all([subscribers.close(), sender.close()]);
  }
}

const zero = (): Counts => ({ rest: 0, realtimeApi: 0, statements: 0, roundTrips: 0, realtimeMessages: 0, realtimeDeliveries: 0 });

function add(into: Counts, delta: Counts): void {
  for (const key of Object.keys(into) as (keyof Counts)[]) into[key] += delta[key];
}
