/**
 * ENS nodes ("regions"): a configured list of real ENS node ids. Every disk and
 * snapshot lives in one of them. Per-region disk size limits (GiB) are what
 * CreateDisk enforces.
 */
import { apiError } from '../kernel/errors.js';
import { Ens } from '../kernel/catalog.js';
import type { DiskCategory } from '../store/records.js';

/** The disk categories CreateDisk sells in every region. */
export const CLOUD_DISK_CATEGORIES = ['cloud_efficiency', 'cloud_ssd'] as const satisfies readonly DiskCategory[];

export interface Region {
  readonly id: string;
  readonly name: string;
  readonly enName: string;
  readonly area: string;
  readonly province: string;
  readonly diskMinGiB: number;
  readonly diskMaxGiB: number;
  readonly diskDefaultGiB: number;
}

const region = (id: string, name: string, enName: string, area: string, province: string): Region => ({
  id, name, enName, area, province, diskMinGiB: 20, diskMaxGiB: 32_768, diskDefaultGiB: 20,
});

/** The default set, ids as ENS names its nodes. */
export const DEFAULT_REGIONS: readonly Region[] = [
  region('cn-hangzhou-telecom', '杭州电信', 'Hangzhou Telecom', 'EastChina', 'Zhejiang'),
  region('cn-shenzhen-3', '深圳3', 'Shenzhen-3', 'SouthChina', 'Guangdong'),
  region('cn-beijing-15', '北京15', 'Beijing-15', 'NorthChina', 'Beijing'),
  region('cn-dalian-unicom', '大连联通', 'Dalian Unicom', 'NorthEastChina', 'Liaoning'),
  region('cn-chengdu-telecom', '成都电信', 'Chengdu Telecom', 'SouthWestChina', 'Sichuan'),
  region('ch-zurich-1', '苏黎世1', 'Zurich-1', 'Europe', 'Zurich'),
];

export class Regions {
  private readonly byId: ReadonlyMap<string, Region>;
  /** The categories of cloud disk every region sells (what CreateDisk accepts). */
  readonly diskCategories: readonly DiskCategory[] = CLOUD_DISK_CATEGORIES;

  constructor(readonly all: readonly Region[]) {
    this.byId = new Map(all.map((r) => [r.id, r]));
  }

  find(id: string): Region | undefined {
    return this.byId.get(id);
  }

  /**
   * The regions named in a filter (each must exist, else
   * `InvalidParameter.EnsRegionId`), in configuration order; every region
   * when there is no filter.
   */
  select(ids?: readonly string[]): Region[] {
    if (ids === undefined) return [...this.all];
    const wanted = new Set(ids.map((id) => this.require(id).id));
    return this.all.filter((r) => wanted.has(r.id));
  }

  /** The region, or `InvalidParameter.EnsRegionId`. */
  require(id: string): Region {
    const r = this.byId.get(id);
    if (!r) throw apiError(Ens.InvalidParameter, 'EnsRegionId');
    return r;
  }
}
