/**
 * Writing a file with O_DIRECT: the bytes go from the process to the device
 * without the page cache, which for a bulk copy (a whole restored volume)
 * costs far less CPU than growing the page cache by the volume's size and
 * leaves the cache to the data in use (qemu-img's `-t none`, dd's
 * `oflag=direct`). O_DIRECT wants the buffer address, file offset and length
 * aligned (ALIGNMENT covers the usual 512 B and 4 KiB logical blocks); Node
 * has no aligned allocation, but WebAssembly memory is page-aligned, so the
 * bytes are copied into slots of one WebAssembly.Memory. Where the platform
 * or the file system has no O_DIRECT (tmpfs refuses it), `openDirect`
 * answers undefined and callers write through the page cache as before.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { writeFully } from './durable-fs.js';

export const ALIGNMENT = 4096;
const WASM_PAGE = 64 * 1024;

/** WebAssembly.Memory (a global of Node; this project's TypeScript libs do not declare it). */
const WasmMemory = (globalThis as unknown as {
  WebAssembly: { Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer } };
}).WebAssembly.Memory;

/**
 * Opens `path` for O_DIRECT writing (created, truncated, empty), or answers
 * undefined where O_DIRECT is unavailable: no such flag, an open refused, or a
 * probe write of one aligned block refused (some file systems accept the flag
 * and refuse the writes).
 */
export async function openDirect(path: string, mode = 0o644): Promise<FileHandle | undefined> {
  const direct = (constants as Record<string, number | undefined>).O_DIRECT;
  if (direct === undefined) return undefined;
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | direct, mode);
  } catch (err) {
    if (isInvalid(err)) return undefined;
    throw err;
  }
  try {
    await new DirectWriter(fh, 1, ALIGNMENT).write(Buffer.alloc(ALIGNMENT), 0);
    await fh.truncate(0);
    return fh;
  } catch (err) {
    await fh.close();
    if (isInvalid(err)) return undefined;
    throw err;
  }
}

function isInvalid(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}

/**
 * `slots` aligned buffers of `slotBytes` (rounded up to ALIGNMENT) for
 * O_DIRECT writes; `write` copies the data (one buffer, or parts laid end to
 * end) into a free slot, pads the tail
 * with zeros to ALIGNMENT and writes it at `position` (which must be aligned).
 * The caller truncates the file afterwards if a padded tail went past its end.
 */
export class DirectWriter {
  private readonly free: Buffer[];
  private readonly waiting: ((slot: Buffer) => void)[] = [];

  constructor(private readonly fh: FileHandle, slots: number, slotBytes: number) {
    const size = Math.ceil(slotBytes / ALIGNMENT) * ALIGNMENT;
    const memory = new WasmMemory({ initial: Math.ceil((slots * size) / WASM_PAGE) });
    this.free = Array.from({ length: slots }, (_, i) => Buffer.from(memory.buffer, i * size, size));
  }

  async write(data: Buffer | readonly Buffer[], position: number): Promise<void> {
    if (position % ALIGNMENT !== 0) throw new RangeError(`O_DIRECT write at unaligned offset ${position}`);
    const parts = Buffer.isBuffer(data) ? [data] : data;
    const length = parts.reduce((n, part) => n + part.length, 0);
    const slot = this.free.pop() ?? (await new Promise<Buffer>((resolve) => this.waiting.push(resolve)));
    try {
      if (length > slot.length) throw new RangeError(`${length} bytes exceed the ${slot.length}-byte slot`);
      const padded = Math.ceil(length / ALIGNMENT) * ALIGNMENT;
      let at = 0;
      for (const part of parts) at += part.copy(slot, at);
      slot.fill(0, length, padded);
      await writeFully(this.fh, slot.subarray(0, padded), position);
    } finally {
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.free.push(slot);
    }
  }
}
