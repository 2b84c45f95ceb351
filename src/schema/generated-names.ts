/** PostgreSQL's identifier limit: NAMEDATALEN - 1 bytes. */
const MAX_BYTES = 63;
const ASCII = /^[\x00-\x7f]*$/;

/**
 * The name PostgreSQL generates for an unnamed object (`makeObjectName`):
 * `name1_name2_label`, with name1 and name2 shortened (the longer one first,
 * a byte at a time) so the whole fits 63 bytes. Multi-byte characters are
 * never cut in half.
 */
export function makeObjectName(name1: string, name2: string | undefined, label: string): string {
  // Most names are ASCII and short: nothing to cut, no bytes to count.
  const whole = `${name1}${name2 !== undefined ? `_${name2}` : ''}${label ? `_${label}` : ''}`;
  if (whole.length <= MAX_BYTES && ASCII.test(whole)) return whole;
  const bytes1 = Buffer.from(name1);
  const bytes2 = Buffer.from(name2 ?? '');
  let overhead = label ? Buffer.byteLength(label) + 1 : 0;
  if (name2 !== undefined) overhead++;
  const available = MAX_BYTES - overhead;
  let n1 = bytes1.length;
  let n2 = bytes2.length;
  while (n1 + n2 > available) {
    if (n1 > n2) n1--;
    else n2--;
  }
  const part1 = clip(bytes1, n1);
  const part2 = name2 !== undefined ? `_${clip(bytes2, n2)}` : '';
  return `${part1}${part2}${label ? `_${label}` : ''}`;
}

/**
 * A generated name that does not collide with `taken` (`ChooseRelationName`,
 * `ChooseConstraintName`): the label gets a counter, `t_a_key1`, `t_a_key2`…
 */
export function chooseName(name1: string, name2: string | undefined, label: string, taken: (name: string) => boolean): string {
  let name = makeObjectName(name1, name2, label);
  for (let pass = 1; taken(name); pass++) name = makeObjectName(name1, name2, `${label}${pass}`);
  return name;
}

/**
 * The column part of a generated index or constraint name: the names joined
 * with `_`, stopping once it is long enough to be truncated anyway
 * (`ChooseIndexNameAddition`).
 */
export function columnsAddition(columns: readonly string[]): string {
  let addition = '';
  for (const column of columns) {
    if (addition !== '') addition += '_';
    addition += column;
    if (Buffer.byteLength(addition) >= MAX_BYTES + 1) break;
  }
  return addition;
}

/** The first `length` bytes of a UTF-8 name, backed off to a character boundary. */
function clip(bytes: Buffer, length: number): string {
  let end = length;
  // A continuation byte (10xxxxxx) at the cut means a character would be split.
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
