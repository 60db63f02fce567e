/**
 * Request-rate limits per account (issue #4): each account has DEFAULT_THROTTLE unless the operator set its
 * own (admin `PUT /accounts/:id/throttle`), with optional per-action overrides. Settings are persisted
 * (migration 8) and held in memory, because the gateway's throttle asks for a limit synchronously on every
 * request. The default is generous on purpose: SDK use and the test suites never meet it.
 */
import type { Clock } from '../../kernel/clock.js';
import type { MetadataStore } from '../../store/metadata-store.js';
import type { ThrottleLimitsRecord } from '../../store/records.js';

export interface RateLimitSetting {
  ratePerSecond: number;
  burst: number;
}

export interface AccountThrottle extends RateLimitSetting {
  actions: Readonly<Record<string, RateLimitSetting>>;
}

/** 5000 requests per second per AccessKey and action, bursts of 10 000. */
export const DEFAULT_THROTTLE: Readonly<RateLimitSetting> = { ratePerSecond: 5000, burst: 10_000 };

export class ThrottleSettings {
  private readonly byAccount = new Map<string, ThrottleLimitsRecord>();

  constructor(private readonly store: MetadataStore, private readonly clock: Clock) {}

  /** Loads the persisted settings (once, at start). */
  async load(): Promise<void> {
    const rows = await this.store.transaction((tx) => tx.listThrottleLimits());
    this.byAccount.clear();
    for (const r of rows) this.byAccount.set(r.accountId, r);
  }

  /** The limit of `action` for `accountId` (the gateway's LimitResolver). */
  readonly resolve = (accountId: string, action: string): RateLimitSetting => {
    const own = this.byAccount.get(accountId);
    if (!own) return DEFAULT_THROTTLE;
    return own.actions[action] ?? { ratePerSecond: own.ratePerSecond, burst: own.burst };
  };

  /** The account's settings, and whether they are the default. */
  get(accountId: string): AccountThrottle & { isDefault: boolean } {
    const own = this.byAccount.get(accountId);
    if (!own) return { ...DEFAULT_THROTTLE, actions: {}, isDefault: true };
    return { ratePerSecond: own.ratePerSecond, burst: own.burst, actions: own.actions, isDefault: false };
  }

  async set(accountId: string, limits: AccountThrottle): Promise<void> {
    const record: ThrottleLimitsRecord = { accountId, ...limits, updatedAt: this.clock.now() };
    await this.store.transaction((tx) => tx.putThrottleLimits(record));
    this.byAccount.set(accountId, record);
  }

  /** Back to the default; false when the account had none of its own. */
  async unset(accountId: string): Promise<boolean> {
    const removed = await this.store.transaction((tx) => tx.deleteThrottleLimits(accountId));
    this.byAccount.delete(accountId);
    return removed;
  }

  /** Forgets every setting held in memory (after reset-all-state emptied the table). */
  forgetAll(): void {
    this.byAccount.clear();
  }
}
