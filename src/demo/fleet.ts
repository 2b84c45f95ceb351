import pg from 'pg';

/** An app release: v1 reads and writes `users.name`; v2 `users.full_name` and `users.email_normalized`. */
export type Release = 'v1' | 'v2';
/** What an instance runs: one release, or the binary holding both code paths behind a feature flag. */
export type Binary = Release | 'flagged';

/** One request an app instance made. */
export interface Request {
  at: number;
  /** The code path that ran: the release's, or for a flagged binary the one the flag chose. */
  release: Release;
  ms: number;
  /** A database error (the schema broke the release), or the injected canary bug. */
  error?: { kind: 'database' | 'app'; message: string };
}

const QUERIES: Record<Release, { weight: number; run(client: pg.Client, n: number): Promise<unknown> }[]> = {
  v1: [
    { weight: 5, run: (c, n) => c.query('SELECT id, email, name FROM users WHERE id = $1', [1 + (n % 20_000)]) },
    { weight: 2, run: (c, n) => c.query('INSERT INTO users (email, name) VALUES ($1, $2)', [`v1-${n}-${Math.random()}@shop.test`, `Customer ${n}`]) },
    { weight: 2, run: (c, n) => c.query('UPDATE users SET name = $1 WHERE id = $2', [`Renamed ${n}`, 1 + (n % 20_000)]) },
    { weight: 1, run: (c, n) => c.query('INSERT INTO orders (user_id, product_id, total_cents) VALUES ($1, $2, $3)', [1 + (n % 20_000), 1 + (n % 50), 100 + (n % 900)]) },
  ],
  v2: [
    { weight: 5, run: (c, n) => c.query('SELECT id, email, full_name, email_normalized FROM users WHERE id = $1', [1 + (n % 20_000)]) },
    { weight: 2, run: (c, n) => c.query('INSERT INTO users (email, full_name) VALUES ($1, $2)', [`v2-${n}-${Math.random()}@shop.test`, `Customer ${n}`]) },
    { weight: 2, run: (c, n) => c.query('UPDATE users SET full_name = $1 WHERE id = $2', [`Renamed ${n}`, 1 + (n % 20_000)]) },
    { weight: 1, run: (c, n) => c.query('INSERT INTO orders (user_id, product_id, total_cents) VALUES ($1, $2, $3)', [1 + (n % 20_000), 1 + (n % 50), 100 + (n % 900)]) },
  ],
};

interface Instance {
  release: Binary;
  client: pg.Client;
  stopped: boolean;
  /** Connected but sent no traffic: blue kept warm after a blue-green flip. */
  idle: boolean;
  loop: Promise<void>;
}

/**
 * A small fleet of app instances, each one connection that identifies its
 * release by `application_name` (`shop@v1`, `shop@v2`) — what pgtandem's
 * contract guard looks for. A rolling deploy replaces instances one by one;
 * a blue-green one starts the other color beside and flips which serves; a
 * flagged binary (`shop@v2` too) sends `flagShare` of its requests down the
 * new path.
 */
export class Fleet {
  readonly requests: Request[] = [];
  private readonly instances: Instance[] = [];
  private counter = 0;
  /** Share of a flagged binary's requests that take the new (v2) path. */
  flagShare = 0;

  constructor(
    private readonly url: string,
    /** v2 fails this share of its requests by itself: the bad canary of `demo --fail-canary`. */
    private readonly v2BugRate = 0,
    /** How many users the database holds: requests pick among ids 1…users. */
    private readonly users = 20_000,
    /** The pause between an instance's requests (steady traffic, not a load test). */
    private readonly pauseMs = 4,
  ) {}

  async start(size: number, release: Binary, idle = false): Promise<void> {
    for (let i = 0; i < size; i++) this.instances.push(await this.launch(release, idle));
  }

  /** Which instances serve traffic: the others stay connected, idle (a blue-green flip). */
  serveOnly(release: Binary): void {
    for (const instance of this.instances) instance.idle = instance.release !== release;
  }

  /** Stops every instance of a release (blue torn down; v1 stopped before a recreate). */
  async retireAll(release: Binary): Promise<void> {
    const leaving = this.instances.filter((i) => i.release === release);
    for (const instance of leaving) this.instances.splice(this.instances.indexOf(instance), 1);
    await Promise.all(leaving.map((i) => this.retire(i)));
  }

  /** Replaces instances until `count` of them run `release` (a rolling deploy, or its rollback). */
  async roll(release: Binary, count: number): Promise<void> {
    for (let i = 0; i < this.instances.length && this.count(release) < count; i++) {
      if (this.instances[i]!.release === release) continue;
      await this.retire(this.instances[i]!);
      this.instances[i] = await this.launch(release);
    }
  }

  count(release: Binary): number {
    return this.instances.filter((i) => i.release === release).length;
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.splice(0).map((i) => this.retire(i)));
  }

  private async launch(release: Binary, idle = false): Promise<Instance> {
    const client = new pg.Client({ connectionString: this.url, application_name: `shop@${release === 'flagged' ? 'v2' : release}` });
    // A request error must not crash the demo; the loop records it.
    client.on('error', () => {});
    await client.connect();
    const instance: Instance = { release, client, stopped: false, idle, loop: Promise.resolve() };
    instance.loop = this.serve(instance);
    return instance;
  }

  private async retire(instance: Instance): Promise<void> {
    instance.stopped = true;
    await instance.loop;
    await instance.client.end().catch(() => {});
  }

  private async serve(instance: Instance): Promise<void> {
    while (!instance.stopped) {
      if (instance.idle) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const path: Release = instance.release === 'flagged' ? (Math.random() < this.flagShare ? 'v2' : 'v1') : instance.release;
      const queries = QUERIES[path];
      const total = queries.reduce((sum, q) => sum + q.weight, 0);
      const n = this.counter++;
      let pick = Math.random() * total;
      const query = queries.find((q) => (pick -= q.weight) < 0) ?? queries[0]!;
      const started = performance.now();
      const request: Request = { at: Date.now(), release: path, ms: 0 };
      try {
        await query.run(instance.client, n % this.users);
        if (path === 'v2' && Math.random() < this.v2BugRate) request.error = { kind: 'app', message: 'v2 bug: HTTP 500 from the new checkout code' };
      } catch (error) {
        request.error = { kind: 'database', message: (error as Error).message };
      }
      request.ms = performance.now() - started;
      this.requests.push(request);
      // An app instance serving steady traffic, not a load test.
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}
