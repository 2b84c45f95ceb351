import { randomBytes } from 'node:crypto';
import { connect, type Connection } from '../db/connect.js';
import { passwordOf, redact } from '../db/redact.js';
import { ConnectionError, UsageError } from '../errors.js';

/** A fresh database on the shadow server, connected; `drop()` closes the connection and removes it. */
export interface ShadowDatabase {
  connection: Connection;
  /** Its URL (never print it): for a second session on the same database. */
  url: string;
  drop(): Promise<void>;
}

/** A server verify may create and drop databases on. */
export interface ShadowServer {
  /** Where it came from, for messages: never the URL. */
  kind: ShadowProvider['kind'];
  /** Secrets to keep out of every message. */
  secrets: string[];
  createDatabase(): Promise<ShadowDatabase>;
  /** Drops what is left and, for an embedded server or a container, stops it and deletes its data. */
  close(): Promise<void>;
}

/**
 * Which server verify (and the demo) runs on: a server at a URL, an embedded
 * PostgreSQL started for the run, or a container of a Docker image (the
 * production major: `postgres:16`).
 */
export type ShadowProvider = { kind: 'url'; url: string } | { kind: 'embedded' } | { kind: 'docker'; image: string };

/**
 * The provider `--shadow <how>` and the URL ask for. Without `--shadow`: the
 * URL (`--shadow-url`, else `SHADOW_DATABASE_URL`) when there is one, else
 * embedded. `--shadow docker:<image>` or `embedded` with an explicit
 * `--shadow-url` is a usage error; the environment's URL is ignored then.
 */
export function shadowProvider(options: { shadow?: string; shadowUrl?: string; envUrl?: string }): ShadowProvider {
  const { shadow, shadowUrl, envUrl } = options;
  const url = shadowUrl ?? envUrl;
  if (shadow === undefined) return url ? { kind: 'url', url } : { kind: 'embedded' };
  if (shadow === 'url') {
    if (!url) throw new UsageError('--shadow url needs --shadow-url <url> or SHADOW_DATABASE_URL');
    return { kind: 'url', url };
  }
  if (shadow === 'embedded' || shadow.startsWith('docker:')) {
    if (shadowUrl) throw new UsageError(`--shadow ${shadow.startsWith('docker:') ? 'docker:…' : shadow} and --shadow-url cannot be combined`);
    if (shadow === 'embedded') return { kind: 'embedded' };
    const image = shadow.slice('docker:'.length);
    // An image name never starts with "-": it would reach `docker run` as an option.
    if (!/^[a-z0-9][\w.\-/:@]*$/i.test(image)) throw new UsageError(`--shadow docker:<image> needs an image, e.g. docker:postgres:16 (got "${shadow}")`);
    return { kind: 'docker', image };
  }
  // A URL given here would be echoed with its password: name the flag it belongs to instead.
  if (shadow.includes('://')) throw new UsageError('--shadow takes url, embedded or docker:<image>; pass the server itself with --shadow-url <url> (or SHADOW_DATABASE_URL)');
  throw new UsageError(`unknown --shadow "${shadow}" (expected url, embedded or docker:<image>)`);
}

/**
 * Opens the shadow server: the one at a URL (a server where the connecting
 * role may CREATE DATABASE), an embedded PostgreSQL started for this run, or
 * a Docker container of an image; a bare URL or undefined means what
 * {@link shadowProvider} chooses without `--shadow`. `purpose` names the
 * sessions (`pgtandem verify`) and the scratch databases (`pgtandem_verify_…`).
 */
export async function openShadowServer(provider: ShadowProvider | string | undefined, purpose = 'verify', embeddedFlags?: string[]): Promise<ShadowServer> {
  const chosen = typeof provider === 'object' ? provider : shadowProvider(provider ? { shadowUrl: provider } : {});
  switch (chosen.kind) {
    case 'url':
      return serverAt(chosen.url, 'url', purpose, async () => {});
    case 'embedded': {
      const { startEmbeddedPostgres } = await import('../db/embedded-postgres.js');
      const embedded = await startEmbeddedPostgres(embeddedFlags ? { postgresFlags: embeddedFlags } : {});
      return startedServer(embedded.url, 'embedded', purpose, embedded.stop);
    }
    case 'docker': {
      const { startDockerPostgres } = await import('../db/docker-postgres.js');
      const container = await startDockerPostgres(chosen.image);
      return startedServer(container.url, 'docker', purpose, container.stop);
    }
  }
}

/** A server pgtandem started: stopped again when connecting to it fails. */
async function startedServer(url: string, kind: ShadowServer['kind'], purpose: string, stop: () => Promise<void>): Promise<ShadowServer> {
  try {
    return await serverAt(url, kind, purpose, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function serverAt(url: string, kind: ShadowServer['kind'], purpose: string, stop: () => Promise<void>): Promise<ShadowServer> {
  const secrets = [...passwordOf(url), url];
  const applicationName = `pgtandem ${purpose}`;
  const admin = await connect(url, applicationName);
  const created: ShadowDatabase[] = [];
  return {
    kind,
    secrets,
    async createDatabase() {
      const name = `pgtandem_${purpose}_${randomBytes(6).toString('hex')}`;
      try {
        await admin.client.query(`CREATE DATABASE ${name}`);
      } catch (error) {
        throw new ConnectionError(`cannot create a shadow database: ${redact(error instanceof Error ? error.message : String(error), secrets)}`, { cause: error });
      }
      const target = withDatabase(url, name);
      const connection = await connect(target, applicationName);
      let dropped = false;
      const database: ShadowDatabase = {
        connection,
        url: target,
        async drop() {
          if (dropped) return;
          dropped = true;
          await connection.close();
          await admin.client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        },
      };
      created.push(database);
      return database;
    },
    async close() {
      for (const database of created) await database.drop();
      await admin.close();
      await stop();
    },
  };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

