/** WHERE-clause builders shared by the SQLite statements (values are always bound, never spliced). */

/** `column = ?` when `value` is given. */
export function addEq(where: string[], args: unknown[], column: string, value: string | undefined): void {
  if (value === undefined) return;
  where.push(`${column} = ?`);
  args.push(value);
}

/** `column IN (…)` when `values` is given; an empty list matches nothing. */
export function addIn(where: string[], args: unknown[], column: string, values: readonly string[] | undefined): void {
  if (values === undefined) return;
  if (values.length === 0) {
    where.push('0');
    return;
  }
  where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
  args.push(...values);
}
