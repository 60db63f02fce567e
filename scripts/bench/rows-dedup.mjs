// Row 6: bytes stored for N disks made of one image plus 1% unique changes each.
import { join } from 'node:path';
import { planBytes, rewritePlan } from './lib/data.mjs';
import { applyPlan, createFilledVolume, openEngine, snapshot, storedBytes } from './lib/engine.mjs';
import { addFailedRow, addRow } from './lib/table.mjs';

const MIB = 2 ** 20;

export async function dedupRow(ctx) {
  const { cfg } = ctx;
  ctx.log(`row 6: ${cfg.dedupDisks} disks of ${cfg.dedupBytes / MIB} MiB sharing one image`);
  const dataDir = join(ctx.dir, 'engine-dedup');
  let engine;
  try {
    engine = await openEngine(ctx.mods, dataDir);
    let changed = 0;
    for (let i = 0; i < cfg.dedupDisks; i++) {
      const id = `vm${i}`;
      await createFilledVolume(engine, id, 'base-image', cfg.dedupBytes);
      const plan = rewritePlan(`unique-${i}`, cfg.dedupBytes, cfg.rewritePercent);
      await applyPlan(engine, id, plan);
      changed += planBytes(plan);
      await snapshot(engine, id, `snap-${id}`);
      await engine.deleteVolume(id); // keeps the temp dir small; the snapshot stays
    }
    const stored = await storedBytes(dataDir);
    const ideal = cfg.dedupBytes + changed;
    addRow({
      id: '6', what: `stored, ${cfg.dedupDisks} disks = 1 image + ${cfg.rewritePercent}% unique each (MiB)`, unit: 'MiB',
      better: 'lower', target: 1.1, edgesnap: stored / MIB, reference: ideal / MIB,
      note: `reference = image + unique changes (${(changed / MIB).toFixed(1)} MiB in 64 KiB writes); `
        + 'edgesnap = its data dir without live volumes (chunks + manifests)',
    });
  } catch (err) {
    addFailedRow('6', 'dedup of similar disks', err);
  } finally {
    await engine?.close();
  }
}
