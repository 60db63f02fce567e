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
}

export function invalid(name: string): Error {
  return apiError(Ens.InvalidParameter, name);
}

function checkText(name: string, v: string, rule: TextRule): string {
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
