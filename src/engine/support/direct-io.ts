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
 * copied into one of a few slots of a WebAssembly.Memory. Where O_DIRECT is not
 * to be had (no such flag, a file system that refuses it at open or at the
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

export class DirectWriter {
  private readonly free: Buffer[];
  private readonly waiting: ((slot: Buffer) => void)[] = [];
  /** O_DIRECT was refused by a write: every later write answers false. */
  private refused = false;

  private constructor(private readonly fh: FileHandle | undefined, slots: number, readonly slotBytes: number) {
    const memory = fh ? new WasmMemory({ initial: Math.ceil((slots * slotBytes) / WASM_PAGE) }) : undefined;
    this.free = memory ? Array.from({ length: slots }, (_, i) => Buffer.from(memory.buffer, i * slotBytes, slotBytes)) : [];
  }

  /**
   * A writer into the existing file `path` with `slots` writes of up to
   * `slotBytes` (rounded up to DIRECT_ALIGNMENT) in flight; one that always
   * answers false where O_DIRECT cannot be opened.
   */
  static async open(path: string, slots: number, slotBytes: number): Promise<DirectWriter> {
    const size = Math.ceil(slotBytes / DIRECT_ALIGNMENT) * DIRECT_ALIGNMENT;
    const direct = (constants as Record<string, number | undefined>).O_DIRECT;
    if (direct === undefined) return new DirectWriter(undefined, slots, size);
    try {
      return new DirectWriter(await open(path, constants.O_WRONLY | direct), Math.max(1, slots), size);
    } catch (err) {
      if (isInvalid(err)) return new DirectWriter(undefined, slots, size);
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
    if (!this.fh || this.refused || !aligned || length === 0 || length > this.slotBytes) return false;
    const slot = this.free.pop() ?? (await new Promise<Buffer>((resolve) => this.waiting.push(resolve)));
    try {
      let at = 0;
      for (const part of parts) at += part.copy(slot, at);
      return await this.writeSlot(slot.subarray(0, length), position);
    } finally {
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    }
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
