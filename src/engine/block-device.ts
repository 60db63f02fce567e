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
  release(): void;
}
