/** The UTC timestamp form of `Timestamp` and `x-acs-date`. */
import { Gateway } from '../../kernel/catalog.js';
import { apiError } from '../../kernel/errors.js';

const FORM = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses `YYYY-MM-DDThh:mm:ssZ` (optionally `.s`–`.sss` milliseconds), UTC
 * only, to epoch milliseconds. Anything else, including impossible dates such
 * as `2026-02-30` or `24:00:00`, throws `InvalidTimeStamp.Format`.
 */
export function parseTimestamp(text: string): number {
  const m = FORM.exec(text);
  if (m === null) throw apiError(Gateway.InvalidTimeStampFormat);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const valid = mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= 59;
  if (!valid) throw apiError(Gateway.InvalidTimeStampFormat);
  const ms = (m[7] ?? '').padEnd(3, '0');
  // A fully specified ISO 8601 UTC string: Date.parse is exact for it.
  return Date.parse(`${text.slice(0, 19)}.${ms}Z`);
}
