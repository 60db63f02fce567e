/**
 * The bytes of a chunk file. Since compression, every chunk file starts with a
 * 20-byte header (as PBS blobs do), then the payload:
 *
 *   0  8  magic 89 45 53 43 48 4b 0d 0a ("\x89ESCHK\r\n")
 *   8  1  codec: 0 = raw, 1 = zstd (one frame, with content size and xxh64 checksum)
 *   9  3  zero
 *   12 4  raw length (u32 LE)
 *   16 4  first 4 bytes of the SHA-256 of bytes 0..15
 *
 * A chunk is compressed only when the frame is smaller than the raw bytes (as
 * PBS does); otherwise the payload is the raw bytes. A chunk of 256 KiB or more
 * is first tried on a 64 KiB sample (four slices spread over it, as btrfs's
 * compression heuristic samples): when the sample saves nothing the chunk is
 * kept raw without compressing it whole (random or already compressed data
 * then costs 1/16 of a full attempt). A file without the magic
 * is a headerless raw chunk written before compression existed, read as is.
 * Such an old file that happens to begin with a valid header (odds 2^-96)
 * decodes to the wrong bytes, which the reader's SHA-256 check reports as
 * corrupt: never silently wrong data.
 *
 * Pure and synchronous, one zstd context per thread: safe on worker threads
 * (the snapshot pipeline can encode there and hand the result to `putEncoded`).
 */
import { createHash } from 'node:crypto';
import zstd from 'zstd-napi/binding.js';

export type ChunkCodec = 'raw' | 'zstd';

export interface EncodedChunk {
  readonly codec: ChunkCodec;
  /** Length of the chunk's raw bytes. */
  readonly rawLength: number;
  /** The whole chunk file: header and payload. */
  readonly file: Buffer;
}

/** zstd level 1: about 240 MB/s per core on this machine class (engine-anchors.md); PBS uses it too. */
export const DEFAULT_COMPRESSION_LEVEL = 1;
/** 0 turns compression off (payloads stay raw); 1–19 are zstd levels. */
export const MAX_COMPRESSION_LEVEL = 19;
/** Refuse to decode more than this: chunks are at most 4 MiB, and a damaged header must not allocate GiBs. */
export const MAX_DECODED_CHUNK = 64 * 1024 * 1024;
export const HEADER_BYTES = 20;
const MAGIC = Buffer.from([0x89, 0x45, 0x53, 0x43, 0x48, 0x4b, 0x0d, 0x0a]);
const CODECS: readonly ChunkCodec[] = ['raw', 'zstd'];

/** A chunk file that cannot be decoded (bad header, damaged frame, wrong length). */
export class ChunkDecodeError extends Error {
  constructor(why: string) {
    super(`undecodable chunk file: ${why}`);
    this.name = 'ChunkDecodeError';
  }
}

export function assertCompressionLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > MAX_COMPRESSION_LEVEL) {
    throw new RangeError(`compression level ${level} must be an integer from 0 (off) to ${MAX_COMPRESSION_LEVEL}`);
  }
}

function headerCheck(file: Buffer): Buffer {
  return createHash('sha256').update(file.subarray(0, 16)).digest().subarray(0, 4);
}

function writeHeader(file: Buffer, codec: ChunkCodec, rawLength: number): void {
  MAGIC.copy(file, 0);
  file.fill(0, 8, 12);
  file[8] = CODECS.indexOf(codec);
  file.writeUInt32LE(rawLength, 12);
  headerCheck(file).copy(file, 16);
}

let cctx: zstd.CCtx | undefined;
let cctxLevel = -1;
let dctx: zstd.DCtx | undefined;
let scratch = Buffer.alloc(0);

function compressor(level: number): zstd.CCtx {
  if (!cctx) {
    cctx = new zstd.CCtx();
    cctx.setParameter(zstd.CParameter.checksumFlag, 1);
  }
  if (cctxLevel !== level) {
    cctx.setParameter(zstd.CParameter.compressionLevel, level);
    cctxLevel = level;
  }
  return cctx;
}

/** Chunks from this size on are sampled before a full compression attempt: a quarter of them, 64 KiB at most. */
export const SAMPLE_FROM_BYTES = 64 * 1024;
const SAMPLE_SLICES = 4;
const MAX_SAMPLE_SLICE_BYTES = 16 * 1024;
/** A sample must shrink below this share of its size for the whole chunk to be tried. */
const SAMPLE_WORTH = 0.97;
const sample = Buffer.alloc(SAMPLE_SLICES * MAX_SAMPLE_SLICE_BYTES);
let sampleOut = Buffer.alloc(0);

/** Whether compressing `raw` at `level` may save space, judged on a sample (true below SAMPLE_FROM_BYTES). */
export function worthCompressing(raw: Buffer, level: number): boolean {
  if (raw.length < SAMPLE_FROM_BYTES) return true;
  const sliceBytes = Math.min(MAX_SAMPLE_SLICE_BYTES, Math.floor(raw.length / (4 * SAMPLE_SLICES)));
  for (let i = 0; i < SAMPLE_SLICES; i++) {
    const from = Math.floor((i * (raw.length - sliceBytes)) / (SAMPLE_SLICES - 1));
    raw.copy(sample, i * sliceBytes, from, from + sliceBytes);
  }
  const taken = sample.subarray(0, SAMPLE_SLICES * sliceBytes);
  const bound = zstd.compressBound(taken.length);
  if (sampleOut.length < bound) sampleOut = Buffer.allocUnsafe(bound);
  return compressor(level).compress2(sampleOut, taken) < taken.length * SAMPLE_WORTH;
}

/** The zstd chunk file of `raw` in the scratch buffer (header included), or undefined if it would not be smaller. */
function compressedFile(raw: Buffer, level: number): Buffer | undefined {
  if (level === 0 || raw.length === 0 || !worthCompressing(raw, level)) return undefined;
  const bound = HEADER_BYTES + zstd.compressBound(raw.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(bound);
  const size = compressor(level).compress2(scratch.subarray(HEADER_BYTES), raw);
  if (size >= raw.length) return undefined;
  writeHeader(scratch, 'zstd', raw.length);
  return scratch.subarray(0, HEADER_BYTES + size);
}

/**
 * `encodeChunk` without allocating, for the hashing threads' shared slots: the
 * raw bytes are `buf[rawAt, rawAt + rawLength)` and stay there. A raw chunk
 * file is those bytes with the header written just before them (`rawAt` must
 * leave HEADER_BYTES of room); a zstd file goes right after them (`buf` needs
 * room for a file as long as header and raw bytes). Answers where the file is.
 */
export function encodeChunkBeside(buf: Buffer, rawAt: number, rawLength: number, level: number):
  { codec: ChunkCodec; fileStart: number; fileLength: number } {
  assertCompressionLevel(level);
  if (rawAt < HEADER_BYTES || buf.length < rawAt + 2 * rawLength + HEADER_BYTES) {
    throw new RangeError(`no room for a chunk file beside ${rawLength} bytes at ${rawAt} of ${buf.length}`);
  }
  const compressed = compressedFile(buf.subarray(rawAt, rawAt + rawLength), level);
  if (compressed) {
    compressed.copy(buf, rawAt + rawLength);
    return { codec: 'zstd', fileStart: rawAt + rawLength, fileLength: compressed.length };
  }
  writeHeader(buf.subarray(rawAt - HEADER_BYTES, rawAt), 'raw', rawLength);
  return { codec: 'raw', fileStart: rawAt - HEADER_BYTES, fileLength: HEADER_BYTES + rawLength };
}

/** The chunk file for `raw` at `level`: a zstd payload if that is smaller than the raw bytes, else raw. */
export function encodeChunk(raw: Buffer, level: number = DEFAULT_COMPRESSION_LEVEL): EncodedChunk {
  assertCompressionLevel(level);
  if (raw.length > MAX_DECODED_CHUNK) throw new RangeError(`chunk of ${raw.length} bytes is too large`);
  const compressed = compressedFile(raw, level);
  if (compressed) return { codec: 'zstd', rawLength: raw.length, file: Buffer.from(compressed) };
  const file = Buffer.allocUnsafe(HEADER_BYTES + raw.length);
  raw.copy(file, HEADER_BYTES);
  writeHeader(file, 'raw', raw.length);
  return { codec: 'raw', rawLength: raw.length, file };
}

/** The header of `file`, or undefined for a headerless (pre-compression) raw chunk file. */
export function readHeader(file: Buffer): { codec: ChunkCodec; rawLength: number } | undefined {
  if (file.length < HEADER_BYTES || !file.subarray(0, 8).equals(MAGIC)) return undefined;
  const codec = CODECS[file[8]!];
  if (!codec || file[9] !== 0 || file[10] !== 0 || file[11] !== 0 || !headerCheck(file).equals(file.subarray(16, 20))) {
    return undefined;
  }
  return { codec, rawLength: file.readUInt32LE(12) };
}

/** The raw bytes of a chunk file. Throws ChunkDecodeError if its payload does not decode. */
export function decodeChunk(file: Buffer): Buffer {
  const header = readHeader(file);
  if (!header) return file;
  const payload = file.subarray(HEADER_BYTES);
  const { codec, rawLength } = header;
  if (codec === 'raw') {
    if (payload.length !== rawLength) throw new ChunkDecodeError(`${payload.length} raw bytes, header says ${rawLength}`);
    return payload;
  }
  if (rawLength > MAX_DECODED_CHUNK) throw new ChunkDecodeError(`raw length ${rawLength}`);
  const out = Buffer.allocUnsafe(rawLength);
  let written: number;
  try {
    if (zstd.getFrameContentSize(payload) !== rawLength) throw new ChunkDecodeError('frame size differs from the header');
    if (zstd.findFrameCompressedSize(payload) !== payload.length) throw new ChunkDecodeError('bytes after the frame');
    dctx ??= new zstd.DCtx();
    written = dctx.decompress(out, payload);
  } catch (err) {
    throw err instanceof ChunkDecodeError ? err : new ChunkDecodeError((err as Error).message);
  }
  if (written !== rawLength) throw new ChunkDecodeError(`decoded ${written} bytes, header says ${rawLength}`);
  return out;
}
