/**
 * Migration versions are kept as the digit runs of their file names
 * (`V1_10__x.sql` → ['1', '10']) and compared as arbitrarily large numbers:
 * real versions (20-digit popx timestamps) overflow a double.
 */

/** Compares two digit strings by numeric value: leading zeros do not count. */
export function compareDigits(a: string, b: string): number {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Compares versions part by part; when one is a prefix of the other the shorter
 * comes first (`V2` < `V2.1` < `V3`). An empty version is not ordered here:
 * unversioned files are placed by the caller.
 */
export function compareVersions(a: readonly string[], b: readonly string[]): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const order = compareDigits(a[i] as string, b[i] as string);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function stripLeadingZeros(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits[i] === '0') i++;
  return digits.slice(i);
}
