-- The admin dashboard filters orders by status. Building the index
-- CONCURRENTLY lets writes to orders continue; the runner runs it outside
-- any transaction.

-- pgtandem:expand
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);

-- pgtandem:abort
DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;
