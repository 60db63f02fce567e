/**
 * Reading and validating an action's parameters. Every violation is a catalog
 * error: a missing required parameter is `Missing<Name>` (the POP gateway's
 * code), anything malformed is `InvalidParameter.<Name>`. Optional parameters
 * sent empty count as not sent (that is how the SDKs send unset fields).
 */
import { apiError } from '../kernel/errors.js';
import { Ens, Gateway } from '../kernel/catalog.js';

export interface TextRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Values starting with one of these are rejected. */
  notStartingWith?: readonly string[];
}

export class Params {
  constructor(private readonly raw: Readonly<Record<string, string>>) {}

  has(name: string): boolean {
    return (this.raw[name] ?? '') !== '';
  }

  required(name: string, rule: TextRule = {}): string {
    const v = this.raw[name];
    if (v === undefined || v === '') throw apiError(Gateway.MissingParameter, name);
    return checkText(name, v, rule);
  }

  optional(name: string, rule: TextRule = {}): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === '') return undefined;
    return checkText(name, v, rule);
  }

  /** One of `values`, exactly as spelled. */
  oneOf<T extends string>(name: string, values: readonly T[], required: boolean): T | undefined {
    const v = required ? this.required(name) : this.optional(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) throw invalid(name);
    return v as T;
  }

  /** A base-10 integer in [min, max]. */
  integer(name: string, rule: { min: number; max: number; required?: boolean }): number | undefined {
    const v = rule.required ? this.required(name) : this.optional(name);
    if (v === undefined) return undefined;
    if (!/^[+]?\d{1,15}$/.test(v)) throw invalid(name);
    const n = Number(v);
    if (n < rule.min || n > rule.max) throw invalid(name);
    return n;
  }

  /** A page number/size pair with ENS defaults. */
  page(defaultSize: number, maxSize: number): { pageNumber: number; pageSize: number } {
    const pageNumber = this.integer('PageNumber', { min: 1, max: 1_000_000 }) ?? 1;
    const pageSize = this.integer('PageSize', { min: 1, max: maxSize }) ?? defaultSize;
    return { pageNumber, pageSize };
  }

  /**
   * A list given as a JSON array inside a string (`["a","b"]`), as ENS takes
   * DiskIds/EnsRegionIds; a bare value (no `[`) is a one-element list.
   */
  idList(name: string, maxItems: number): string[] | undefined {
    const v = this.optional(name);
    if (v === undefined) return undefined;
    if (!v.trimStart().startsWith('[')) return [checkText(name, v, ID_RULE)];
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw invalid(name);
    }
    if (!Array.isArray(parsed) || parsed.length > maxItems) throw invalid(name);
    return parsed.map((item) => {
      if (typeof item !== 'string') throw invalid(name);
      return checkText(name, item, ID_RULE);
    });
  }

  /**
   * A 1-based repeat list as the SDKs flatten string arrays: `Name.1`, `Name.2`, …
   * Absent: `[]`. Index 0, a leading zero, a gap, another shape (`Name.1.x`) or
   * more than `maxItems` items: `InvalidParameter.<Name>`. Values as sent.
   */
  repeatList(name: string, maxItems: number): string[] {
    return this.collect(name, maxItems, false).map((item) => item[''] ?? '');
  }

  /**
   * A 1-based repeat list of objects: `Name.1.Field`, … with Field one of
   * `fields`; the same rules as repeatList. A field not sent is undefined.
   */
  objectList<F extends string>(name: string, fields: readonly F[], maxItems: number): Partial<Record<F, string>>[] {
    const items = this.collect(name, maxItems, true);
    for (const item of items) {
      if (Object.keys(item).some((f) => !(fields as readonly string[]).includes(f))) throw invalid(name);
    }
    return items as Partial<Record<F, string>>[];
  }

  private collect(name: string, maxItems: number, objects: boolean): Record<string, string>[] {
    const byIndex = new Map<number, Record<string, string>>();
    const prefix = `${name}.`;
    for (const [k, v] of Object.entries(this.raw)) {
      if (!k.startsWith(prefix)) continue;
      const m = (objects ? /^([1-9]\d{0,5})\.([A-Za-z]+)$/ : /^([1-9]\d{0,5})()$/).exec(k.slice(prefix.length));
      if (!m) throw invalid(name);
      const index = Number(m[1]);
      if (index > maxItems) throw invalid(name);
      byIndex.set(index, { ...byIndex.get(index), [m[2]!]: v });
    }
    const items: Record<string, string>[] = [];
    for (let i = 1; i <= byIndex.size; i++) {
      const item = byIndex.get(i);
      if (item === undefined) throw invalid(name);
      items.push(item);
    }
    return items;
  }
}

export function invalid(name: string): Error {
  return apiError(Ens.InvalidParameter, name);
}

/**
 * Characters no parameter may hold: C0 controls but tab, LF and CR, DEL, and U+FFFE/U+FFFF. They are not
 * characters of XML 1.0, so a value holding one could not be answered with `Format=XML`.
 */
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/;

function checkText(name: string, v: string, rule: TextRule): string {
  if (FORBIDDEN_CHARACTERS.test(v)) throw invalid(name);
  const length = [...v].length;
  if (rule.min !== undefined && length < rule.min) throw invalid(name);
  if (length > (rule.max ?? 1024)) throw invalid(name);
  if (rule.pattern && !rule.pattern.test(v)) throw invalid(name);
  if (rule.notStartingWith?.some((p) => v.toLowerCase().startsWith(p))) throw invalid(name);
  return v;
}

/** SnapshotName/DiskName: 2–128 characters, starts with a letter, letters, digits, `:`, `_`, `-`, `.`. */
export const NAME_RULE: TextRule = {
  min: 2, max: 128, pattern: /^\p{L}[\p{L}\p{N}:_.-]*$/u, notStartingWith: ['http://', 'https://'],
};

/** Description: 2–256 characters, not starting with http:// or https://. */
export const DESCRIPTION_RULE: TextRule = { min: 2, max: 256, notStartingWith: ['http://', 'https://'] };

/** Resource ids: short, printable, no separators. Longer or odder input is invalid, not "not found". */
export const ID_RULE: TextRule = { max: 64, pattern: /^[A-Za-z0-9_.:-]+$/ };

/** Tag keys: 1–128 characters, not starting with `aliyun` or `acs:` (any case), no `http://` or `https://`. */
export const TAG_KEY_RULE: TextRule = {
  min: 1, max: 128, pattern: /^(?![\s\S]*https?:\/\/)/i, notStartingWith: ['aliyun', 'acs:'],
};

/** Tag values: 0–128 characters. */
export const TAG_VALUE_RULE: TextRule = { min: 0, max: 128 };

export interface TagInput { key: string; value: string }

/**
 * `Tag.N.Key` / `Tag.N.Value` (at most 20). Each item needs a Key
 * (`InvalidParameter.Tag.Key`); a malformed value is `InvalidParameter.Tag.Value`;
 * a key given twice keeps the last value. `required`: none at all is `MissingTag.1.Key`.
 */
export function readTags(p: Params, required: boolean): TagInput[] {
  const items = p.objectList('Tag', ['Key', 'Value'], 20);
  if (required && items.length === 0) throw apiError(Gateway.MissingParameter, 'Tag.1.Key');
  const tags = new Map<string, string>();
  for (const item of items) {
    const key = checkText('Tag.Key', item.Key ?? '', TAG_KEY_RULE);
    tags.set(key, checkText('Tag.Value', item.Value ?? '', TAG_VALUE_RULE));
  }
  return [...tags].map(([key, value]) => ({ key, value }));
}

/** `ResourceId.N` (at most 50, each an id; duplicates dropped). `required`: none is `MissingResourceId.1`. */
export function readResourceIds(p: Params, required: boolean): string[] {
  const ids = p.repeatList('ResourceId', 50).map((id) => checkText('ResourceId', id, ID_RULE));
  if (required && ids.length === 0) throw apiError(Gateway.MissingParameter, 'ResourceId.1');
  return [...new Set(ids)];
}

/** A tag key named in a request that only looks tags up (UntagResources, filters): 1–128 characters. */
export function checkTagKey(name: string, key: string): string {
  return checkText(name, key, { min: 1, max: 128 });
}
