/**
 * A thread of pread-threads.ts: takes requests from the shared ring, reads
 * each into its slot of the arena with `readSync`, publishes the result. The
 * primary sleeps (on `Submitted`) only when the ring is empty, and the main
 * thread only notifies it then; helpers sleep on `HelperCall` and are woken by
 * a thread whose read was slow (a disk hit) while requests were waiting.
 */
import { readSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { Ctl, SLOT_BYTES, SLOTS, SLOW_READ_US, views, type PreadWorkerData } from './pread-threads.js';

const { state, arena, primary } = workerData as PreadWorkerData;
const { ctl, submitRing, completionRing, fds, lengths, results, positions } = views(state);
const bytes = Buffer.from(arena);

function readSlot(slot: number): number {
  try {
    return readSync(fds[slot] as number, bytes, slot * SLOT_BYTES, lengths[slot] as number, positions[slot] as number);
  } catch {
    return -1; // the main thread redoes it with fs.read, which reports the error
  }
}

function publish(slot: number, bytesRead: number): void {
  results[slot] = bytesRead;
  const at = Atomics.add(ctl, Ctl.CompletionTail, 1);
  Atomics.store(completionRing, at & (SLOTS - 1), slot + 1);
  Atomics.add(ctl, Ctl.Completed, 1);
  Atomics.notify(ctl, Ctl.Completed);
}

function sleep(submitted: number): void {
  if (primary) {
    Atomics.store(ctl, Ctl.PrimaryAwake, 0);
    // Returns at once if a request was submitted since `submitted` was read.
    Atomics.wait(ctl, Ctl.Submitted, submitted);
    Atomics.store(ctl, Ctl.PrimaryAwake, 1);
  } else {
    const call = Atomics.load(ctl, Ctl.HelperCall);
    if (Atomics.load(ctl, Ctl.Submitted) === Atomics.load(ctl, Ctl.Taken)) Atomics.wait(ctl, Ctl.HelperCall, call);
  }
}

if (primary) Atomics.store(ctl, Ctl.PrimaryAwake, 1);
for (;;) {
  const submitted = Atomics.load(ctl, Ctl.Submitted);
  const taken = Atomics.load(ctl, Ctl.Taken);
  if (taken === submitted) {
    sleep(submitted);
    continue;
  }
  if (Atomics.compareExchange(ctl, Ctl.Taken, taken, (taken + 1) | 0) !== taken) continue;
  const slot = submitRing[taken & (SLOTS - 1)] as number;
  const started = performance.now();
  publish(slot, readSlot(slot));
  const slow = (performance.now() - started) * 1000 > SLOW_READ_US;
  if (slow && Atomics.load(ctl, Ctl.Submitted) !== Atomics.load(ctl, Ctl.Taken)) {
    Atomics.add(ctl, Ctl.HelperCall, 1);
    Atomics.notify(ctl, Ctl.HelperCall, 1);
  }
}
