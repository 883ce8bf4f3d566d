/**
 * weekdayRange, dateRange and timeRange as Firefox and Chromium implement
 * them (both carry the same script, from Netscape's): local time unless the
 * last argument is "GMT", ranges inclusive, a range whose start is after its
 * end wraps around. Pure: the current time is passed in.
 */
export type PacArg = string | number | boolean | null | undefined;

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** The trailing "GMT", if any, taken off. */
function splitGmt(args: readonly PacArg[]): { args: readonly PacArg[]; gmt: boolean } {
  const gmt = args.length > 0 && args[args.length - 1] === 'GMT';
  return { args: gmt ? args.slice(0, -1) : args, gmt };
}

/** weekdayRange(wd1 [, wd2] [, "GMT"]): day names in capitals, as the browsers accept them. */
export function weekdayRange(now: Date, all: readonly PacArg[]): boolean {
  const { args, gmt } = splitGmt(all);
  if (args.length < 1) return false;
  const day = gmt ? now.getUTCDay() : now.getDay();
  const d1 = DAYS.indexOf(String(args[0]));
  const d2 = args.length === 2 ? DAYS.indexOf(String(args[1])) : d1;
  if (d1 < 0 || d2 < 0) return false;
  return d1 <= d2 ? d1 <= day && day <= d2 : day >= d1 || day <= d2;
}

/** JavaScript's parseInt of the argument: NaN for month names. */
function asInt(arg: PacArg): number {
  return parseInt(String(arg), 10);
}

/**
 * dateRange(day | month | year, ...): one value compares one field; two to
 * six give a start and an end half (day 1-31, month JAN-DEC, year ≥ 32),
 * the fields not given spanning the whole year, both halves in the current
 * month when only days are given.
 */
export function dateRange(now: Date, all: readonly PacArg[]): boolean {
  const { args, gmt } = splitGmt(all);
  if (args.length < 1) return false;
  const current = gmt ? utcAsLocal(now) : now;
  if (args.length === 1) {
    const n = asInt(args[0]);
    if (Number.isNaN(n)) return current.getMonth() === MONTHS.indexOf(String(args[0]));
    return n < 32 ? current.getDate() === n : current.getFullYear() === n;
  }
  const year = current.getFullYear();
  const start = new Date(year, 0, 1, 0, 0, 0);
  const end = new Date(year, 11, 31, 23, 59, 59);
  const half = args.length >> 1;
  const onlyDays = args.length <= 2;
  setFields(start, args.slice(0, half));
  setFields(end, args.slice(half));
  if (onlyDays && !Number.isNaN(asInt(args[0])) && asInt(args[0]) < 32) {
    start.setMonth(current.getMonth());
    end.setMonth(current.getMonth());
  }
  return inRange(start, end, current);
}

function setFields(date: Date, args: readonly PacArg[]): void {
  for (const arg of args) {
    const n = asInt(arg);
    if (Number.isNaN(n)) date.setMonth(MONTHS.indexOf(String(arg)));
    else if (n < 32) date.setDate(n);
    else date.setFullYear(n);
  }
}

/**
 * timeRange(hour), timeRange(h1, h2) (whole hours, h2's included),
 * timeRange(h1, m1, h2, m2), timeRange(h1, m1, s1, h2, m2, s2).
 */
export function timeRange(now: Date, all: readonly PacArg[]): boolean {
  const { args, gmt } = splitGmt(all);
  const current = gmt ? utcAsLocal(now) : new Date(now.getTime());
  const hour = current.getHours();
  const n = args.map((a) => Number(a));
  switch (args.length) {
    case 1: return hour === n[0];
    case 2: return n[0]! <= hour && hour <= n[1]!;
    case 4: return inRange(at(current, n[0]!, n[1]!, 0), at(current, n[2]!, n[3]!, 59), current);
    case 6: return inRange(at(current, n[0]!, n[1]!, n[2]!), at(current, n[3]!, n[4]!, n[5]!), current);
    default: return false;
  }
}

/** Today at h:m:s (local), milliseconds as now's: the browsers set fields on `new Date()`. */
function at(now: Date, h: number, m: number, s: number): Date {
  const d = new Date(now.getTime());
  d.setHours(h, m, s);
  return d;
}

function inRange(start: Date, end: Date, now: Date): boolean {
  return start <= end ? start <= now && now <= end : now >= start || now <= end;
}

/** The UTC wall clock as a local Date, so "GMT" ranges compare fields with fields. */
function utcAsLocal(now: Date): Date {
  return new Date(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds());
}
