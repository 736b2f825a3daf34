import type { Namespace, Subscriber } from './hub.ts';
import type { Vsn } from './protocol.ts';
import type { ChannelPolicy, Claims } from './types.ts';

// setTimeout cannot wait longer than this; far-off expiries re-arm.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ChannelOwner {
  readonly vsn: Vsn;
  send(frame: string | Buffer): void;
  /** Called after each delivery: hosted counts deliveries against the project's events/s. */
  delivered(channel: JoinedChannel): void;
}

export interface ChannelConfig {
  wireTopic: string;
  name: string;
  joinRef: string | null;
  isPrivate: boolean;
  /** broadcast.self: the sender also receives its own broadcasts. */
  self: boolean;
  /** broadcast.ack: client broadcasts get a phx_reply. */
  ack: boolean;
}

/** One joined channel on one socket: its settings, its current token, and cached decisions. */
export class JoinedChannel implements Subscriber {
  private writeDecision?: Promise<boolean>;
  private expiryTimer?: NodeJS.Timeout;

  constructor(
    private readonly owner: ChannelOwner,
    readonly config: ChannelConfig,
    public token: string,
    public claims: Claims,
  ) {}

  get vsn(): Vsn {
    return this.owner.vsn;
  }

  get namespace(): Namespace {
    return { topic: this.config.name, private: this.config.isPrivate };
  }

  deliver(frame: string | Buffer): void {
    this.owner.send(frame);
    this.owner.delivered(this);
  }

  /** Realtime evaluates the write policy on the first broadcast and keeps it until the token changes. */
  canWrite(policy: ChannelPolicy): Promise<boolean> {
    if (!this.config.isPrivate) return Promise.resolve(true);
    if (!this.writeDecision) {
      const decision = policy.canWrite(this.claims, this.config.name);
      // A failed check (database down) is not a decision; the next broadcast tries again.
      decision.catch(() => {
        if (this.writeDecision === decision) this.writeDecision = undefined;
      });
      this.writeDecision = decision;
    }
    return this.writeDecision;
  }

  reauthorize(token: string, claims: Claims): void {
    this.token = token;
    this.claims = claims;
    this.writeDecision = undefined;
  }

  /** Milliseconds since the epoch, or undefined for tokens without exp (API keys). */
  get expiresAt(): number | undefined {
    return typeof this.claims.exp === 'number' ? this.claims.exp * 1000 : undefined;
  }

  /** Calls onExpire once the current token's exp has passed. */
  armExpiry(onExpire: () => void): void {
    this.disarmExpiry();
    const at = this.expiresAt;
    if (at === undefined) return;
    const wait = at - Date.now();
    this.expiryTimer = setTimeout(() => (Date.now() >= at ? onExpire() : this.armExpiry(onExpire)), Math.min(Math.max(wait, 0), MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  disarmExpiry(): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }
}
