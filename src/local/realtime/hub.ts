import { encodeBroadcast, type Broadcast, type Vsn } from './protocol.ts';
import type { Log } from './types.ts';

export interface Subscriber {
  readonly vsn: Vsn;
  /** false: joined on presence read alone, so broadcasts are withheld (Realtime's broadcast_read?). */
  readonly readsBroadcast?: boolean;
  deliver(frame: string | Buffer): void;
}

/** Public and private channels of the same topic are separate audiences, as in Realtime. */
export interface Namespace {
  topic: string;
  private: boolean;
}

const keyOf = (ns: Namespace) => `${ns.private ? 'private' : 'public'}:${ns.topic}`;

/** Who listens to which topic, and fan-out that encodes each broadcast once per serializer. */
export class Hub {
  private readonly topics = new Map<string, Set<Subscriber>>();
  private count = 0;

  constructor(private readonly log: Log) {}

  get size(): number {
    return this.count;
  }

  subscribe(ns: Namespace, subscriber: Subscriber): void {
    const key = keyOf(ns);
    let set = this.topics.get(key);
    if (!set) this.topics.set(key, (set = new Set()));
    if (!set.has(subscriber)) this.count++;
    set.add(subscriber);
  }

  unsubscribe(ns: Namespace, subscriber: Subscriber): void {
    const key = keyOf(ns);
    const set = this.topics.get(key);
    if (!set?.delete(subscriber)) return;
    this.count--;
    if (set.size === 0) this.topics.delete(key);
  }

  /** Everyone joined to the topic, for presence diffs. */
  subscribers(ns: Namespace): Iterable<Subscriber> {
    return this.topics.get(keyOf(ns)) ?? [];
  }

  /** Returns how many subscribers the broadcast was handed to. */
  publish(ns: Namespace, broadcast: Broadcast, except?: Subscriber): number {
    const set = this.topics.get(keyOf(ns));
    if (!set) return 0;
    const wireTopic = `realtime:${ns.topic}`;
    const frames = new Map<Vsn, string | Buffer | null>();
    let delivered = 0;
    for (const subscriber of set) {
      if (subscriber === except || subscriber.readsBroadcast === false) continue;
      let frame = frames.get(subscriber.vsn);
      if (frame === undefined) {
        frame = this.encode(subscriber.vsn, wireTopic, broadcast);
        frames.set(subscriber.vsn, frame);
      }
      if (frame === null) continue;
      subscriber.deliver(frame);
      delivered++;
    }
    return delivered;
  }

  private encode(vsn: Vsn, wireTopic: string, broadcast: Broadcast): string | Buffer | null {
    try {
      const frame = encodeBroadcast(vsn, wireTopic, broadcast);
      if (frame === null) this.log({ event: 'realtime_broadcast_unrepresentable', topic: wireTopic, vsn });
      return frame;
    } catch (error) {
      this.log({ event: 'realtime_broadcast_unrepresentable', topic: wireTopic, vsn, error: (error as Error).message });
      return null;
    }
  }
}
