/**
 * What the NBD server needs from a disk: a fixed-size array of bytes with the
 * NBD operations. Offsets and lengths are already bounds-checked by the caller
 * (the NBD transmission phase) against `size`.
 */
export interface BlockDevice {
  /** Size in bytes. May grow (a resized disk); never shrinks while open. */
  readonly size: number;
  /** The bytes of the range. The buffer may be shared: callers must not modify it. */
  read(offset: number, length: number): Promise<Buffer>;
  /** `fua`: the write is durable (fdatasync'ed) before the promise resolves. */
  write(offset: number, data: Buffer, fua: boolean): Promise<void>;
  /** Makes every write acknowledged before this call durable. */
  flush(): Promise<void>;
  /** Advisory discard: after it the range may read as anything (we keep or zero it). */
  trim(offset: number, length: number, fua: boolean): Promise<void>;
  /** The range reads as zeroes afterwards. */
  writeZeroes(offset: number, length: number, fua: boolean): Promise<void>;
  /**
   * Optional: the allocation of `[offset, offset + length)` as consecutive
   * extents covering the range from `offset`. `hole: true` promises the
   * extent reads as zeroes (never written); `false` means data or unknown.
   * Devices without it are reported as all data (NBD base:allocation).
   */
  blockStatus?(offset: number, length: number): Promise<BlockExtent[]>;
}

/** One run of a device's allocation, see `BlockDevice.blockStatus`. */
export interface BlockExtent {
  readonly length: number;
  readonly hole: boolean;
}

/** How the NBD server finds exports; the export name is the disk id. */
export interface ExportResolver {
  /** The device for `name`, or undefined when no such export exists (or it is not servable now). */
  open(name: string): Promise<ExportHandle | undefined>;
  /** Export names for NBD_OPT_LIST, or null to refuse listing (NBD_REP_ERR_POLICY). */
  list(): Promise<string[] | null>;
}

/** A device lent to one NBD connection; `release` is called once when the connection ends. */
export interface ExportHandle {
  readonly device: BlockDevice;
  readonly readOnly: boolean;
  /**
   * True when every connection to this export shares one cache: a flush (or
   * FUA) through any handle makes writes acknowledged through every other
   * handle durable. Advertised as NBD_FLAG_CAN_MULTI_CONN. Default false.
   */
  readonly multiConn?: boolean;
  /** Human-readable description for NBD_INFO_DESCRIPTION. */
  readonly description?: string;
  release(): void;
}
