-- Case-insensitive login: a normalized copy of the email, kept up to date for
-- every write (v1's included) by a trigger, backfilled while both versions run,
-- and made unique once v1 — which still accepts emails differing only in case —
-- is gone. The unique index is built CONCURRENTLY, outside any transaction.

-- pgtandem:expand
ALTER TABLE users ADD COLUMN email_normalized text;

CREATE FUNCTION users_normalize_email() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.email_normalized := lower(NEW.email);
  RETURN NEW;
END;
$$;

CREATE TRIGGER users_normalize_email
  BEFORE INSERT OR UPDATE OF email ON users
  FOR EACH ROW EXECUTE FUNCTION users_normalize_email();

-- pgtandem:migrate
UPDATE users SET email_normalized = lower(email) WHERE email_normalized IS NULL;

-- pgtandem:contract
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_normalized_key ON users (email_normalized);

-- pgtandem:abort
DROP INDEX CONCURRENTLY IF EXISTS users_email_normalized_key;
DROP TRIGGER IF EXISTS users_normalize_email ON users;
DROP FUNCTION IF EXISTS users_normalize_email();
ALTER TABLE users DROP COLUMN email_normalized;
