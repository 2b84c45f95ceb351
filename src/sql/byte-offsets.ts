const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Maps UTF-8 byte offsets (what libpg-query reports) into JavaScript string
 * indexes for one piece of text. ASCII text maps to itself; otherwise a
 * checkpoint is kept after every non-ASCII character and the ASCII run that
 * follows it is counted from there.
 */
export class ByteOffsets {
  readonly #bytesAt: number[] = [0];
  readonly #indexAt: number[] = [0];
  readonly byteLength: number;

  constructor(text: string) {
    if (!NON_ASCII.test(text)) {
      this.byteLength = text.length;
      return;
    }
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        bytes += 1;
        continue;
      }
      if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
        bytes += 4;
        i++;
      } else bytes += 3;
      this.#bytesAt.push(bytes);
      this.#indexAt.push(i + 1);
    }
    this.byteLength = bytes;
  }

  toIndex(byteOffset: number): number {
    const bytesAt = this.#bytesAt;
    let lo = 0;
    let hi = bytesAt.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (bytesAt[mid]! <= byteOffset) lo = mid;
      else hi = mid - 1;
    }
    return this.#indexAt[lo]! + (byteOffset - bytesAt[lo]!);
  }
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
