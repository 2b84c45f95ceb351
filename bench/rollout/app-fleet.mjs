// The simulated app: N clients, each holding one connection per release it
// serves (application_name shop@v1 / shop@v2), issuing paced requests and
// recording every request's start, latency and error.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pickKind, shopRequest } from './shop-requests.mjs';

/**
 * @typedef {{ t: number, ms: number, release: 'v1' | 'v2', kind: string, client: number, error?: string }} RequestRecord
 */

export class AppFleet {
  /**
   * @param {{ url: string, clients: number, rate: number, rows: number, customers: number, timeline: import('./timeline.mjs').Timeline }} options
   *   `rate`: requests per second for the whole fleet, spread evenly over the clients.
   */
  constructor(options) {
    this.options = options;
    /** Share of requests sent to v2, 0…1. */
    this.share = 0;
    this.running = false;
    /** @type {RequestRecord[]} */
    this.records = [];
    this.clients = [];
    this.loops = [];
  }

  /** Opens the v1 connections and starts the clients (all traffic on v1). */
  async start() {
    for (let index = 0; index < this.options.clients; index++) {
      this.clients.push({ index, v1: await connect(this.options.url, 'shop@v1'), v2: undefined });
    }
    this.running = true;
    this.loops = this.clients.map((client) => this.loop(client));
  }

  /**
   * Sends `share` of the requests to v2, opening v2's connections first (its pods
   * start). At 1, v1 is drained: each client closes its v1 connection between two
   * requests, and this resolves once none is left (what contract's guard checks).
   */
  async shift(share) {
    if (share > 0) {
      await Promise.all(
        this.clients.map(async (client) => {
          client.v2 ??= await connect(this.options.url, 'shop@v2');
        }),
      );
    }
    this.share = share;
    while (share >= 1 && this.clients.some((c) => c.v1)) await sleep(5);
  }

  async stop() {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.clients.flatMap((c) => [c.v1, c.v2]).filter(Boolean).map((c) => c.end().catch(() => {})));
  }

  async loop(client) {
    const { clients, rate, rows, customers, timeline } = this.options;
    const interval = (1000 * clients) / rate;
    // Staggered starts, so the clients do not fire in lockstep.
    let next = performance.now() + Math.random() * interval;
    while (this.running) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      // After a stall the client carries on at its pace: no burst to catch up.
      next = Math.max(next + interval, performance.now());
      if (!this.running) break;
      if (this.share >= 1 && client.v1) {
        const v1 = client.v1;
        client.v1 = undefined;
        await v1.end().catch(() => {});
      }
      const release = client.v2 && (!client.v1 || Math.random() < this.share) ? 'v2' : 'v1';
      const kind = pickKind();
      const t = timeline.now();
      /** @type {RequestRecord} */
      const record = { t, ms: 0, release, kind, client: client.index };
      try {
        await client[release].query(shopRequest(release, kind, rows, customers));
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
        if (client[release].broken) client[release] = await connect(this.options.url, `shop@${release}`);
      }
      record.ms = timeline.now() - t;
      this.records.push(record);
    }
  }
}

async function connect(url, applicationName) {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  // A connection the server dropped must not crash the fleet: it is replaced after the failed request.
  client.on('error', () => {
    client.broken = true;
  });
  await client.connect();
  return client;
}
