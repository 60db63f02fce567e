// Rows 4–5: fio over NBD against edgesnap's server and qemu-nbd; guest writes during a snapshot.
import { createFilledVolume } from './lib/engine.mjs';
import { fio, startEdgesnapNbd, startQemuNbd } from './lib/nbd.mjs';
import { settle, timed } from './lib/proc.mjs';
import { addFailedRow, addRow } from './lib/table.mjs';

const MB = 1e6;
const JOBS = [
  { id: '4a', what: '4 KiB random read, QD16 (IOPS)', rw: 'randread', bs: '4k', unit: 'IOPS' },
  { id: '4b', what: '4 KiB random write, QD16 (IOPS)', rw: 'randwrite', bs: '4k', unit: 'IOPS' },
  { id: '4c', what: '1 MiB sequential read, QD16 (MB/s)', rw: 'read', bs: '1m', unit: 'MB/s' },
  { id: '4d', what: '1 MiB sequential write, QD16 (MB/s)', rw: 'write', bs: '1m', unit: 'MB/s' },
];
const figure = (job, r) => (job.unit === 'IOPS' ? r.iops : r.bytesPerSec / MB);

/** Row 4: the same fio job against edgesnap (volume `disk`) and qemu-nbd (the image file with the same bytes). */
export async function nbdRows(ctx) {
  const ours = await startEdgesnapNbd(ctx.mods, ctx.engine);
  let theirs;
  try {
    theirs = await startQemuNbd(ctx.imagePath, 'disk');
    for (const job of JOBS) {
      ctx.log(`row ${job.id}: fio ${job.rw} ${job.bs}`);
      try {
        const spec = { rw: job.rw, bs: job.bs, iodepth: 16, seconds: ctx.cfg.fioSeconds };
        settle();
        const a = await fio(ctx.dir, ours.uri('disk'), spec);
        settle();
        const b = await fio(ctx.dir, theirs.uri('disk'), spec);
        addRow({ id: job.id, what: `NBD ${job.what}`, unit: job.unit, target: 0.8, edgesnap: figure(job, a), reference: figure(job, b) });
      } catch (err) {
        addFailedRow(job.id, `NBD ${job.what}`, err);
      }
    }
  } catch (err) {
    addFailedRow('4', 'NBD fio vs qemu-nbd', err);
  } finally {
    await theirs?.stop();
    await ours.stop();
  }
}

/**
 * Row 5: fio 1 MiB sequential writes (QD16) to a freshly filled volume while its
 * first (full) snapshot runs (fio is stopped when the snapshot ends), then the
 * same job for as long with no snapshot.
 */
export async function guestWriteRow(ctx) {
  const { engine } = ctx;
  ctx.log('row 5: guest writes during a snapshot');
  const server = await startEdgesnapNbd(ctx.mods, engine);
  try {
    await createFilledVolume(engine, 'guest', 'guest', ctx.size);
    const spec = { rw: 'write', bs: '1m', iodepth: 16 };
    settle();
    await engine.beginSnapshot('guest', 'snap-guest');
    const done = new AbortController();
    const job = timed(() => engine.runSnapshot('snap-guest')).finally(() => done.abort());
    const busy = await fio(ctx.dir, server.uri('guest'), { ...spec, seconds: 3600, stop: done.signal });
    const snap = await job;
    if (busy.seconds < 1) {
      throw new Error(`the snapshot took ${snap.seconds.toFixed(1)} s, too short to measure fio (use a larger BENCH_SIZE_MIB)`);
    }
    settle();
    const idle = await fio(ctx.dir, server.uri('guest'), { ...spec, seconds: Math.max(1, Math.round(busy.seconds)) });
    addRow({
      id: '5', what: 'guest 1 MiB seq writes during snapshot vs none (MB/s)', unit: 'MB/s', target: 0.5,
      edgesnap: busy.bytesPerSec / MB, reference: idle.bytesPerSec / MB,
      note: `snapshot ${snap.seconds.toFixed(1)} s under ${busy.seconds.toFixed(1)} s of writes; idle run ${idle.seconds.toFixed(1)} s`,
    });
  } catch (err) {
    addFailedRow('5', 'guest writes during snapshot', err);
  } finally {
    await server.stop();
    await engine.deleteVolume('guest').catch(() => undefined);
  }
}
