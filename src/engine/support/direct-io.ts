/**
 * Bulk writes into an existing file with O_DIRECT: the bytes go from the
 * process to the device without the page cache. For a background copy of a
 * whole disk (the lazy restore's fill) that costs far less CPU than growing
 * the page cache by the disk's size, and leaves the cache to the data the
 * guests use (qemu's `cache=none`, dd's `oflag=direct`). On the 2-core VM
 * measured (docs/benchmarks.md) filling 2 GiB through the page cache kept the
 * kernel busy for seconds, taking the CPU the guest's reads needed.
 *
 * O_DIRECT wants the buffer address, file offset and length aligned
 * (DIRECT_ALIGNMENT covers 512 B and 4 KiB logical blocks). Node has no
 * aligned allocation, but WebAssembly memory is page-aligned, so the parts are
 * copied into one of the 16 slots of 1 MiB the process shares (a
 * WebAssembly.Memory made on first use; a write holds a slot only while it
 * runs). Where O_DIRECT is not to be had (no such flag, a file system that refuses it at open or at the
 * first write, an unaligned or oversized write) `write` answers false having
 * written nothing, and the caller writes through the page cache instead.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export const DIRECT_ALIGNMENT = 4096;
const WASM_PAGE = 64 * 1024;

/** WebAssembly.Memory (a global of Node; this project's TypeScript libs do not declare it). */
const WasmMemory = (globalThis as unknown as {
  WebAssembly: { Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer } };
}).WebAssembly.Memory;

function isInvalid(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}

/** Bytes of one aligned slot: the largest write a DirectWriter takes (the restores' 1 MiB extents). */
export const DIRECT_SLOT_BYTES = 1024 * 1024;
/** Slots shared by every writer of the process (16 MiB): a write holds one only while it runs. */
const SHARED_SLOTS = 16;

/** The process's aligned slots, made on first use, and the writes waiting for one. */
class AlignedSlots {
  private static shared: AlignedSlots | undefined;
  private readonly free: Buffer[];
  private readonly waiting: ((slot: Buffer) => void)[] = [];

  private constructor() {
    const memory = new WasmMemory({ initial: Math.ceil((SHARED_SLOTS * DIRECT_SLOT_BYTES) / WASM_PAGE) });
    this.free = Array.from({ length: SHARED_SLOTS }, (_, i) => Buffer.from(memory.buffer, i * DIRECT_SLOT_BYTES, DIRECT_SLOT_BYTES));
  }

  static get(): AlignedSlots {
    return (AlignedSlots.shared ??= new AlignedSlots());
  }

  async with<T>(fn: (slot: Buffer) => Promise<T>): Promise<T> {
    const slot = this.free.pop() ?? (await new Promise<Buffer>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(slot);
    } finally {
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    }
  }
}

export class DirectWriter {
  /** O_DIRECT was refused by a write: every later write answers false. */
  private refused = false;

  private constructor(private readonly fh: FileHandle | undefined) {}

  /** A writer into the existing file `path`; one that always answers false where O_DIRECT cannot be opened. */
  static async open(path: string): Promise<DirectWriter> {
    const direct = (constants as Record<string, number | undefined>).O_DIRECT;
    if (direct === undefined) return new DirectWriter(undefined);
    try {
      return new DirectWriter(await open(path, constants.O_WRONLY | direct));
    } catch (err) {
      if (isInvalid(err)) return new DirectWriter(undefined);
      throw err;
    }
  }

  /**
   * Writes `parts`, one after another, at `position`; answers false, having
   * written nothing, where O_DIRECT cannot take them (see the file comment).
   */
  async write(parts: readonly Buffer[], position: number): Promise<boolean> {
    const length = parts.reduce((n, part) => n + part.length, 0);
    const aligned = position % DIRECT_ALIGNMENT === 0 && length % DIRECT_ALIGNMENT === 0;
    if (!this.fh || this.refused || !aligned || length === 0 || length > DIRECT_SLOT_BYTES) return false;
    return AlignedSlots.get().with((slot) => {
      let at = 0;
      for (const part of parts) at += part.copy(slot, at);
      return this.writeSlot(slot.subarray(0, length), position);
    });
  }

  private async writeSlot(data: Buffer, position: number): Promise<boolean> {
    let done = 0;
    try {
      while (done < data.length) {
        const { bytesWritten } = await this.fh!.write(data, done, data.length - done, position + done);
        if (bytesWritten === 0) throw new Error(`O_DIRECT write at ${position + done} wrote nothing`);
        done += bytesWritten;
      }
      return true;
    } catch (err) {
      // Refused before a byte went (the file system takes the flag, not the writes): the page cache, from now on.
      if (done === 0 && isInvalid(err)) {
        this.refused = true;
        return false;
      }
      throw err;
    }
  }

  close(): Promise<void> {
    return this.fh?.close() ?? Promise.resolve();
  }
}
