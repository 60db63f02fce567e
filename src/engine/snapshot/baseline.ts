/**
 * Picks the parent of an incremental snapshot: the change set's parent
 * manifest, if it still exists, belongs to the same volume and has the same
 * chunk size; otherwise none (the snapshot reads every allocated chunk).
 */
import type { CbwSession } from '../cbw/cbw-session.js';
import type { Baseline } from '../cbw/session-changes.js';
import type { ChangeSet } from '../volume/dirty-map.js';
import type { ManifestStore } from './manifest.js';

export async function baselineOf(session: CbwSession, changes: ChangeSet | undefined, manifests: ManifestStore):
  Promise<Baseline | undefined> {
  const { chunkSize, volumeId } = session.header;
  if (!changes || changes.parent === null || changes.chunkSize !== chunkSize) return undefined;
  const parent = await manifests.read(changes.parent).catch(() => undefined);
  if (!parent || parent.volumeId !== volumeId || parent.chunkSize !== chunkSize) return undefined;
  return { snapshotId: parent.snapshotId, sizeBytes: parent.sizeBytes, chunks: parent.chunks, changed: changes.changed };
}
