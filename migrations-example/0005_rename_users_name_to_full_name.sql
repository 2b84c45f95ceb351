-- Rename users.name to users.full_name without breaking either version:
-- v1 reads and writes `name`, v2 reads and writes `full_name`. A trigger
-- keeps the two in step while both run; the old column goes in contract.

-- pgtandem:expand
ALTER TABLE users ADD COLUMN full_name text;

-- BEFORE triggers run before NOT NULL is checked: v2's inserts, which omit
-- `name`, get it from `full_name`, so `name` can stay NOT NULL for v1.
CREATE FUNCTION users_sync_full_name() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.full_name := coalesce(NEW.full_name, NEW.name);
    NEW.name := coalesce(NEW.name, NEW.full_name);
  ELSIF NEW.name IS DISTINCT FROM OLD.name THEN
    NEW.full_name := NEW.name;
  ELSIF NEW.full_name IS DISTINCT FROM OLD.full_name THEN
    NEW.name := NEW.full_name;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER users_sync_full_name
  BEFORE INSERT OR UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION users_sync_full_name();

-- pgtandem:migrate
UPDATE users SET full_name = name WHERE full_name IS NULL;

-- pgtandem:contract
DROP TRIGGER users_sync_full_name ON users;
DROP FUNCTION users_sync_full_name();
ALTER TABLE users DROP COLUMN name;

-- pgtandem:abort
DROP TRIGGER IF EXISTS users_sync_full_name ON users;
DROP FUNCTION IF EXISTS users_sync_full_name();
ALTER TABLE users DROP COLUMN full_name;
