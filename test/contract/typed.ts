/**
 * Casts a plain JSON response body into a model built like the generated ENS SDK's, failing on anything the
 * SDK's types do not allow.
 *
 * The generated client does `$dara.cast<XResponse>(await this.callApi(...), new XResponse({}))`. That cast is
 * lenient: it turns a number or boolean into a string where a string is declared, `"true"` into a boolean,
 * a digit string into a number, never looks inside arrays of primitives and ignores unknown fields. Go and
 * Terraform are not so forgiving (a JSON string never decodes into an `int`), so `typed` first checks the
 * body strictly against `types()` (exact JSON types, recursively, unknown fields reported), then runs the
 * real `$dara.cast` so that whatever it refuses is refused here too.
 */
import * as $dara from '@darabonba/typescript';
import type { FieldType, ModelClass } from './models/index.js';

/** Every way a body departs from its model, one line each (`Model.Path.To[0].Field: problem`). */
export class ContractMismatch extends Error {
  constructor(readonly model: string, readonly problems: readonly string[]) {
    super(`${model} does not match the SDK model:\n  ${problems.join('\n  ')}`);
    this.name = 'ContractMismatch';
  }
}

export function typed<T extends $dara.Model>(model: ModelClass<T>, body: unknown): T {
  const problems: string[] = [];
  checkModel(model, body, model.name, problems);
  if (problems.length > 0) throw new ContractMismatch(model.name, problems);
  // pop-core parses with json-bigint, whose objects have no prototype; `$dara.cast` (`instanceof Object`)
  // would refuse them although the SDK's own JSON.parse never produces such objects. Same data, plain objects.
  const plain: unknown = JSON.parse(JSON.stringify(body));
  return $dara.cast<T>(plain, new model({}));
}

/** The problems of `body` against `model`, without throwing (for tests of the checker itself). */
export function mismatches(model: ModelClass, body: unknown): string[] {
  const problems: string[] = [];
  checkModel(model, body, model.name, problems);
  return problems;
}

function checkModel(model: ModelClass, value: unknown, path: string, problems: string[]): void {
  if (!isPlainObject(value)) {
    problems.push(`${path}: expected an object (${model.name}), got ${describe(value)}`);
    return;
  }
  const names = model.names();
  const types = model.types();
  const byWire = new Map(Object.entries(names).map(([prop, wire]) => [wire, prop]));
  for (const [key, v] of Object.entries(value)) {
    const prop = byWire.get(key);
    if (prop === undefined) {
      problems.push(`${path}.${key}: not a field of ${model.name} (fields: ${[...byWire.keys()].join(', ')})`);
      continue;
    }
    const type = types[prop];
    if (type === undefined) throw new Error(`${model.name}.types() lacks ${prop}`);
    checkValue(type, v, `${path}.${key}`, problems);
  }
}

function checkValue(type: FieldType, value: unknown, path: string, problems: string[]): void {
  if (value === null) {
    problems.push(`${path}: null where ${typeName(type)} is declared`);
    return;
  }
  if (typeof type === 'string') {
    if (type === 'any') return;
    const ok = type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === type;
    if (!ok) problems.push(`${path}: expected ${type}, got ${describe(value)}`);
    return;
  }
  if (typeof type === 'function') {
    checkModel(type, value, path, problems);
    return;
  }
  if (type.type === 'array') {
    if (!Array.isArray(value)) {
      problems.push(`${path}: expected an array of ${typeName(type.itemType)}, got ${describe(value)}`);
      return;
    }
    value.forEach((item: unknown, i) => checkValue(type.itemType, item, `${path}[${i}]`, problems));
    return;
  }
  if (!isPlainObject(value)) {
    problems.push(`${path}: expected a map of ${typeName(type.valueType)}, got ${describe(value)}`);
    return;
  }
  for (const [k, v] of Object.entries(value)) checkValue(type.valueType, v, `${path}.${k}`, problems);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(type: FieldType): string {
  if (typeof type === 'string') return type;
  if (typeof type === 'function') return type.name;
  return type.type === 'array' ? `array<${typeName(type.itemType)}>` : `map<${typeName(type.valueType)}>`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${JSON.stringify(v).slice(0, 60)})`;
  return `${typeof v} (${JSON.stringify(v)?.slice(0, 60)})`;
}
