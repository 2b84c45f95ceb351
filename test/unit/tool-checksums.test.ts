import { describe, expect, it } from 'vitest';
import { drizzleHash, flywayChecksum, prismaChecksum } from '../../src/adopt/tool-checksums.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe("the checksums migration tools keep in their history tables", () => {
  it('Flyway: CRC-32 (java.util.zip.CRC32) as a signed int over the lines without their endings, a BOM dropped', () => {
    // The CRC-32 check value: crc32("123456789") = 0xCBF43926, which Java's (int) cast makes negative.
    expect(flywayChecksum(bytes('123456789'))).toBe(0xcbf43926 | 0);
    expect(flywayChecksum(bytes('123456789'))).toBe(-873187034);
    expect(flywayChecksum(bytes('1234\n56789\n'))).toBe(-873187034);
    expect(flywayChecksum(bytes('1234\r\n56789\r'))).toBe(-873187034);
    expect(flywayChecksum(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('123456789')]))).toBe(-873187034);
    expect(flywayChecksum(bytes('12345678'))).not.toBe(-873187034);
  });

  it('Prisma: sha256 hex of the bytes, a BOM included', () => {
    expect(prismaChecksum(bytes(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(prismaChecksum(Buffer.from([0xef, 0xbb, 0xbf]))).not.toBe(prismaChecksum(bytes('')));
  });

  it('Drizzle: sha256 hex of the text with CRLF read as LF', () => {
    expect(drizzleHash(bytes('a;\r\nb;\r\n'))).toBe(drizzleHash(bytes('a;\nb;\n')));
    expect(drizzleHash(bytes(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
