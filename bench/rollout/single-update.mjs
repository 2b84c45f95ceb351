// The physical-limit anchor: one unbatched UPDATE of the whole table, no
// traffic, on its own fresh copy of the data. Measured twice: on the table as
// it is (the anchor the targets use), and on the table after expand (its
// trigger, and any index it builds), which tells how much of pgtandem's gap to the
// anchor is the expanded schema's cost and how much is batching and traffic.
import { copyDataset, dropDatabase, withClient } from './dataset.mjs';
import { anchorStatements, nativeMigration } from './schema-change.mjs';

export async function measureSingleUpdate(serverUrl, { plainOnly = false } = {}) {
  const plain = await timedUpdate(serverUrl, anchorStatements.prepare);
  if (plainOnly) return plain;
  const onExpandedSchema = await timedUpdate(serverUrl, expandSection().replaceAll('CONCURRENTLY ', ''));
  return { ...plain, onExpandedSchema };
}

async function timedUpdate(serverUrl, prepare) {
  const url = await copyDataset(serverUrl, 'bench_anchor');
  try {
    return await withClient(url, async (client) => {
      await client.query(prepare);
      const from = performance.now();
      const result = await client.query(anchorStatements.update);
      const ms = performance.now() - from;
      const rows = result.rowCount ?? 0;
      return { rows, ms, rowsPerSecond: rows / (ms / 1000) };
    });
  } finally {
    await dropDatabase(serverUrl, 'bench_anchor');
  }
}

function expandSection() {
  return nativeMigration.slice(nativeMigration.indexOf('-- pgtandem:expand'), nativeMigration.indexOf('-- pgtandem:migrate'));
}
