/** Body and query field readers of the admin routes: every bad value is a catalog error naming the field. */
import { apiError } from '../../kernel/errors.js';
import { Ens, Gateway } from '../../kernel/catalog.js';

type Fields = Readonly<Record<string, unknown>>;

/** Error codes name fields as the ENS API does (`MissingRegionId`, `InvalidParameter.Name`). */
export const capitalized = (field: string): string => field.charAt(0).toUpperCase() + field.slice(1);

export function optionalText(body: Fields, field: string, max: number): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0 || [...v].length > max || /[\u0000-\u001f]/.test(v)) {
    throw apiError(Ens.InvalidParameter, capitalized(field));
  }
  return v;
}

export function requiredText(body: Fields, field: string, max: number): string {
  const v = optionalText(body, field, max);
  if (v === undefined) throw apiError(Gateway.MissingParameter, capitalized(field));
  return v;
}

/** A finite number in [min, max] (a numeric string is accepted too, for query parameters). */
export function optionalNumber(body: Fields, field: string, min: number, max: number): number | undefined {
  const raw = body[field];
  if (raw === undefined || raw === null) return undefined;
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw apiError(Ens.InvalidParameter, capitalized(field));
  }
  return v;
}

export function requiredNumber(body: Fields, field: string, min: number, max: number): number {
  const v = optionalNumber(body, field, min, max);
  if (v === undefined) throw apiError(Gateway.MissingParameter, capitalized(field));
  return v;
}
