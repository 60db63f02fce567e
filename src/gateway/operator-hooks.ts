/**
 * The operator's two steps in the request pipeline (issue #4): throttling right after authentication, and
 * fault injection after authorization, just before the action runs. See the gateway README.
 */
import type { Clock } from '../kernel/clock.js';
import type { FaultRules } from '../services/index.js';
import { throttledError, type Throttle } from './throttle.js';

export interface OperatorHooks {
  readonly throttle: Throttle;
  readonly faults: FaultRules;
  /** Latency effects wait on this clock. */
  readonly clock: Clock;
}

export interface HookCaller {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly action: string;
}

/** Takes a token from the caller's (AccessKey, action) bucket, or throws `Throttling.User` with the retry hint. */
export function throttleRequest(hooks: OperatorHooks, caller: HookCaller): void {
  const decision = hooks.throttle.take(caller);
  if (!decision.allowed) throw throttledError(decision.retryAfterMs);
}

/**
 * Applies the fault rules that fire for this request: every latency effect is waited (in sum), then the first
 * error effect is thrown, so the action does not run. Matching uses the request's own parameters: the region
 * is `EnsRegionId` (CopySnapshot: `DestinationRegionId`), the disk `DiskId`, the snapshot `SnapshotId`.
 */
export async function injectFaults(hooks: OperatorHooks, caller: HookCaller,
  params: Readonly<Record<string, string>>): Promise<void> {
  const effects = hooks.faults.match({
    action: caller.action,
    accountId: caller.accountId,
    regionId: params.EnsRegionId ?? params.DestinationRegionId,
    diskId: params.DiskId,
    snapshotId: params.SnapshotId,
  });
  const latency = effects.reduce((ms, e) => (e.kind === 'latency' ? ms + e.ms : ms), 0);
  if (latency > 0) await hooks.clock.sleep(latency);
  const error = effects.find((e) => e.kind === 'error');
  if (error?.kind === 'error') throw error.error;
}
