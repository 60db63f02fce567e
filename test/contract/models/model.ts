/**
 * The shape of a Darabonba model class as the generated ENS SDK writes them: a `$dara.Model` subclass whose
 * static `names()` maps each property to its wire name and `types()` gives its declared type.
 */
import type * as $dara from '@darabonba/typescript';

/** A declared field type: a primitive name, a nested model class, an array or a map of those. */
export type FieldType =
  | 'string' | 'number' | 'boolean' | 'any'
  | ModelClass
  | { type: 'array'; itemType: FieldType }
  | { type: 'map'; keyType: 'string'; valueType: FieldType };

export interface ModelClass<T extends $dara.Model = $dara.Model> {
  new (map?: Record<string, unknown>): T;
  names(): Record<string, string>;
  types(): Record<string, FieldType>;
}

export const array = (itemType: FieldType): FieldType => ({ type: 'array', itemType });
