import pg from 'pg';

/** An app release: v1 reads and writes `users.name`; v2 `users.full_name` and `users.email_normalized`. */
export type Release = 'v1' | 'v2';

/** One request an app instance made. */
export interface Request {
  at: number;
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
  release: Release;
  client: pg.Client;
  stopped: boolean;
  loop: Promise<void>;
}

/**
 * A small fleet of app instances, each one connection that identifies its
 * release by `application_name` (`shop@v1`, `shop@v2`) — what pgtandem's
 * contract guard looks for. A rolling deploy replaces instances one by one.
 */
export class Fleet {
  readonly requests: Request[] = [];
  private readonly instances: Instance[] = [];
  private counter = 0;

  constructor(
    private readonly url: string,
    /** v2 fails this share of its requests by itself: the bad canary of `demo --fail-canary`. */
    private readonly v2BugRate = 0,
  ) {}

  async start(size: number, release: Release): Promise<void> {
    for (let i = 0; i < size; i++) this.instances.push(await this.launch(release));
  }

  /** Replaces instances until `count` of them run `release` (a rolling deploy, or its rollback). */
  async roll(release: Release, count: number): Promise<void> {
    for (let i = 0; i < this.instances.length && this.count(release) < count; i++) {
      if (this.instances[i]!.release === release) continue;
      await this.retire(this.instances[i]!);
      this.instances[i] = await this.launch(release);
    }
  }

  count(release: Release): number {
    return this.instances.filter((i) => i.release === release).length;
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.splice(0).map((i) => this.retire(i)));
  }

  private async launch(release: Release): Promise<Instance> {
    const client = new pg.Client({ connectionString: this.url, application_name: `shop@${release}` });
    // A request error must not crash the demo; the loop records it.
    client.on('error', () => {});
    await client.connect();
    const instance: Instance = { release, client, stopped: false, loop: Promise.resolve() };
    instance.loop = this.serve(instance);
    return instance;
  }

  private async retire(instance: Instance): Promise<void> {
    instance.stopped = true;
    await instance.loop;
    await instance.client.end().catch(() => {});
  }

  private async serve(instance: Instance): Promise<void> {
    const queries = QUERIES[instance.release];
    const total = queries.reduce((sum, q) => sum + q.weight, 0);
    while (!instance.stopped) {
      const n = this.counter++;
      let pick = Math.random() * total;
      const query = queries.find((q) => (pick -= q.weight) < 0) ?? queries[0]!;
      const started = performance.now();
      const request: Request = { at: Date.now(), release: instance.release, ms: 0 };
      try {
        await query.run(instance.client, n);
        if (instance.release === 'v2' && Math.random() < this.v2BugRate) request.error = { kind: 'app', message: 'v2 bug: HTTP 500 from the new checkout code' };
      } catch (error) {
        request.error = { kind: 'database', message: (error as Error).message };
      }
      request.ms = performance.now() - started;
      this.requests.push(request);
      // An app instance serving steady traffic, not a load test.
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
  }
}
