/**
 * A BlockDevice wrapper that remembers which `granularity`-sized blocks were
 * ever written (like the volume's allocation map) and answers `blockStatus`
 * from that: never-written blocks are holes. Zeroes over holes stay holes.
 */
import type { BlockDevice, BlockExtent } from '../../block-device.js';

export class AllocatingDevice implements BlockDevice {
  private readonly written = new Set<number>();
  blockStatusCalls = 0;

  constructor(
    private readonly inner: BlockDevice,
    readonly granularity = 64 * 1024,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.inner.read(offset, length);
  }

  write(offset: number, data: Buffer, fua: boolean): Promise<void> {
    this.mark(offset, data.length);
    return this.inner.write(offset, data, fua);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  trim(offset: number, length: number, fua: boolean): Promise<void> {
    return this.inner.trim(offset, length, fua);
  }

  writeZeroes(offset: number, length: number, fua: boolean): Promise<void> {
    const first = Math.floor(offset / this.granularity);
    const last = Math.floor((offset + length - 1) / this.granularity);
    for (let i = first; i <= last; i++) {
      if (this.written.has(i)) return this.inner.writeZeroes(offset, length, fua);
    }
    return this.inner.flush();
  }

  async blockStatus(offset: number, length: number): Promise<BlockExtent[]> {
    this.blockStatusCalls++;
    const out: BlockExtent[] = [];
    const end = offset + length;
    for (let at = offset; at < end; ) {
      const block = Math.floor(at / this.granularity);
      const next = Math.min(end, (block + 1) * this.granularity);
      const hole = !this.written.has(block);
      const last = out[out.length - 1];
      if (last && last.hole === hole) out[out.length - 1] = { length: last.length + next - at, hole };
      else out.push({ length: next - at, hole });
      at = next;
    }
    return out;
  }

  private mark(offset: number, length: number): void {
    const first = Math.floor(offset / this.granularity);
    const last = Math.floor((offset + length - 1) / this.granularity);
    for (let i = first; i <= last; i++) this.written.add(i);
  }
}
