// Fault injection for tests and the soak (issue 10): the Realtime broadcast API refusing or dropping
// while sockets stay up, and a function killed after its commit, before its broadcast.

export interface Faults {
  /** Answer the Realtime broadcast API with this status while sockets stay up (the platform refusing
   * broadcasts), or 'drop': answer 202 and deliver nothing (accepted, then lost); null answers normally again. */
  broadcastApi(fault: number | 'drop' | null): void;
  /** While on, a function that calls the broadcast API is killed (SIGKILL) instead: it has committed
   * and dies before anything is broadcast. */
  killFunctionsAtBroadcast(on: boolean): void;
}

/** The faults, and the wrapper that applies them to the broadcast API's handler. */
export function createFaults(kill: (name: string) => Promise<void>) {
  let broadcast: number | 'drop' | null = null;
  let killAtBroadcast = false;
  const json = (status: number, message: string) =>
    new Response(JSON.stringify({ message }), { status, headers: { 'content-type': 'application/json' } });
  const faults: Faults = {
    broadcastApi: (fault) => void (broadcast = fault),
    killFunctionsAtBroadcast: (on) => void (killAtBroadcast = on),
  };
  const wrap = (handle: (request: Request) => Promise<Response>) => async (request: Request): Promise<Response> => {
    if (killAtBroadcast) {
      // Only chat-send broadcasts after a commit with the user waiting: the one worth killing there.
      await kill('chat-send');
      return json(503, 'fault injected: the calling function was killed');
    }
    if (broadcast === 'drop') return json(202, 'fault injected: accepted, delivered to nobody');
    if (broadcast !== null) return json(broadcast, 'fault injected: broadcast refused');
    return handle(request);
  };
  return { faults, wrap };
}
