/** Turns a migration file's bytes into the text every later stage indexes into. */

export interface ReadProblem {
  message: string;
  /** String offset into the decoded text. */
  offset: number;
}

export interface MigrationText {
  text: string;
  /** True when the file holds NUL bytes: nothing in it is SQL. */
  binary: boolean;
  readProblem?: ReadProblem;
}

const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Decodes UTF-8, dropping a byte-order mark. Invalid sequences become U+FFFD and
 * the first one is reported, so a linter can point at it and still read the rest.
 */
export function decodeMigrationBytes(bytes: Uint8Array): MigrationText {
  const nul = bytes.indexOf(0);
  if (nul !== -1) return binaryText(`byte ${nul}`);

  const body = hasBom(bytes) ? bytes.subarray(BOM.length) : bytes;
  const text = new TextDecoder('utf-8').decode(body);
  const bad = text.includes('\uFFFD') ? firstInvalidUtf8(body) : -1;
  if (bad === -1) return { text, binary: false };

  const offset = new TextDecoder('utf-8').decode(body.subarray(0, bad)).length;
  const byteOffset = bad + (body === bytes ? 0 : BOM.length);
  return {
    text,
    binary: false,
    readProblem: {
      message: `invalid UTF-8 at byte ${byteOffset} (0x${hex(body[bad] ?? 0)}); decoded with replacement characters`,
      offset,
    },
  };
}

/** The same checks for text that never was bytes (library callers, tests). */
export function checkMigrationText(text: string): MigrationText {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const nul = body.indexOf('\u0000');
  if (nul !== -1) return binaryText(`character ${nul}`);
  return { text: body, binary: false };
}

function binaryText(where: string): MigrationText {
  return { text: '', binary: true, readProblem: { message: `binary file (NUL byte at ${where})`, offset: 0 } };
}

function hasBom(bytes: Uint8Array): boolean {
  return bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Index of the first byte that starts an ill-formed sequence (Unicode table 3-7),
 * or -1. The decoder's own error gives no position, hence this scan.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    const length = sequenceLength(bytes, i, lead);
    if (length === 0) return i;
    i += length;
  }
  return -1;
}

function sequenceLength(bytes: Uint8Array, i: number, lead: number): number {
  if (lead < 0x80) return 1;
  let second: [number, number];
  let length: number;
  if (lead >= 0xc2 && lead <= 0xdf) [second, length] = [[0x80, 0xbf], 2];
  else if (lead === 0xe0) [second, length] = [[0xa0, 0xbf], 3];
  else if (lead === 0xed) [second, length] = [[0x80, 0x9f], 3];
  else if (lead >= 0xe1 && lead <= 0xef) [second, length] = [[0x80, 0xbf], 3];
  else if (lead === 0xf0) [second, length] = [[0x90, 0xbf], 4];
  else if (lead >= 0xf1 && lead <= 0xf3) [second, length] = [[0x80, 0xbf], 4];
  else if (lead === 0xf4) [second, length] = [[0x80, 0x8f], 4];
  else return 0;
  if (!inRange(bytes[i + 1], second[0], second[1])) return 0;
  for (let k = 2; k < length; k++) if (!inRange(bytes[i + k], 0x80, 0xbf)) return 0;
  return length;
}

function inRange(byte: number | undefined, low: number, high: number): boolean {
  return byte !== undefined && byte >= low && byte <= high;
}
