// What one lite (local PostgREST) request costs by itself: the same one-row read as a bare statement
// in a transaction, through lite with the secret key, and through lite with a user's token (RLS and
// the user's claims, no user lookup: src/local/lite-rest-identity.ts). The three alternate request by
// request over rounds.
import { type Bench, createConversation, createUsers } from './harness.ts';
import { type Distribution, distribution } from './stats.ts';

export interface LiteCostResult {
  direct: Distribution;
  secretKey: Distribution;
  userToken: Distribution;
}

export async function liteCost(bench: Bench, rounds: number, perRound: number): Promise<LiteCostResult> {
  const [owner, member] = await createUsers(bench, 2);
  const chatId = await createConversation(bench, owner, [member]);
  const { stack } = bench;
  const path = `${stack.url}/rest/v1/conversations?select=id&id=eq.${chatId}`;
  const read = async (headers: Record<string, string>) => {
    const response = await fetch(path, { headers });
    if (!response.ok) throw new Error(`lite answered ${response.status}`);
    await response.arrayBuffer();
  };
  const runs = [
    () => stack.db.transaction((tx) => tx.query('select id from public.conversations where id = $1', [chatId])),
    () => read({ apikey: stack.keys.secretKey }),
    () => read({ apikey: stack.keys.publishableKey, authorization: `Bearer ${owner.token}` }),
  ];
  for (const run of runs) await run();
  const samples: number[][][] = runs.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const round = runs.map(() => [] as number[]);
    for (let i = 0; i < perRound; i++) {
      for (let k = 0; k < runs.length; k++) {
        const which = (i + k) % runs.length;
        const started = performance.now();
        await runs[which]();
        round[which].push(performance.now() - started);
      }
    }
    round.forEach((s, k) => samples[k].push(s));
  }
  const [direct, secretKey, userToken] = samples.map(distribution);
  return { direct, secretKey, userToken };
}
