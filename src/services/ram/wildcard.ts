/**
 * Wildcard matching as RAM does it in Action, Resource and StringLike:
 * `*` matches any run of characters (also none, also `:` and `/`), `?` exactly
 * one character; everything else is literal. No regular expressions are built
 * from user input: the matcher is a linear two-pointer walk with backtracking
 * to the last `*`, so a hostile pattern cannot blow up.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let star = -1; // index in p of the last `*` seen
  let mark = 0; // index in v where that `*` started matching
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === v[vi]))) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
