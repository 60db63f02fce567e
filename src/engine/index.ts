/** The block engine's public API. */
export type { BlockDevice, ExportHandle, ExportResolver } from './block-device.js';
export { EngineError, type BlockEngine, type ManifestInfo } from './engine.js';
export { LocalBlockEngine } from './local-engine.js';
export {
  DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE, MAX_CHUNK_SIZE, defaultJobConcurrency, type LocalBlockEngineOptions,
} from './engine-options.js';
export { type ChunkStore, sha256Hex, isAllZero, isDigest } from './chunks/chunk-store.js';
export { FsChunkStore } from './chunks/fs-chunk-store.js';
export { MemoryChunkStore } from './chunks/memory-chunk-store.js';
export type { RegionalEngines, RegionalSnapshotRef, SnapshotCopyResult } from './engine.js';
export { LocalRegionalEngines, mapRegionalEngines, unionOfExports, type LocalRegionalEnginesOptions } from './regional-engines.js';
export type { CopyStats } from './snapshot/copy.js';
