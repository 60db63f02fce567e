import { chunkStoreSuite } from './chunk-store.suite.js';
import { MemoryChunkStore } from './memory-chunk-store.js';

chunkStoreSuite('MemoryChunkStore', async () => ({ store: new MemoryChunkStore(), cleanup: async () => {} }));
