import { createHash } from 'node:crypto';

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** Prisma's `_prisma_migrations.checksum`: sha256 of `migration.sql`'s bytes, lowercase hex. */
export function prismaChecksum(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Drizzle's `__drizzle_migrations.hash`: sha256 (hex) of the file read as a
 * string with CRLF turned into LF (drizzle-orm's `readMigrationFiles`).
 */
export function drizzleHash(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8').replace(/\r\n/g, '\n');
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Flyway's `flyway_schema_history.checksum` of a SQL migration: CRC-32 over
 * the UTF-8 bytes of each line without its line ending (Java's
 * `BufferedReader.readLine`: `\n`, `\r\n` and `\r` end a line), a byte-order
 * mark dropped, stored as a signed 32-bit integer. Line endings therefore do
 * not count, so the CRC of the bytes with every CR and LF removed is the same.
 */
export function flywayChecksum(bytes: Uint8Array): number {
  let body = bytes;
  if (body[0] === UTF8_BOM[0] && body[1] === UTF8_BOM[1] && body[2] === UTF8_BOM[2]) body = body.subarray(UTF8_BOM.length);
  let crc = 0xffffffff;
  for (const byte of body) {
    if (byte === 0x0a || byte === 0x0d) continue;
    crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) | 0;
}

// The IEEE 802.3 polynomial, reflected: java.util.zip.CRC32's.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
