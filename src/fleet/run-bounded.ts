/** How many items may run at once: in all, and on one server. */
export interface Concurrency {
  total: number;
  perServer: number;
}

/**
 * Runs `work` on the items in order, at most `total` at once and at most
 * `perServer` on one server, starting the first waiting item whose server
 * has room. Once `stop()` says so no item starts; those still running
 * finish. Resolves with each item's result, or undefined for an item that
 * never started. `work` must not throw (it returns its failure).
 */
export async function runBounded<T, R>(
  items: readonly T[],
  serverOf: (item: T) => string,
  limits: Concurrency,
  work: (item: T) => Promise<R>,
  stop: () => boolean = () => false,
): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = items.map(() => undefined);
  const waiting = items.map((item, index) => ({ item, index }));
  const perServer = new Map<string, number>();
  let running = 0;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (running < limits.total && waiting.length > 0 && !stop()) {
        const at = waiting.findIndex(({ item }) => (perServer.get(serverOf(item)) ?? 0) < limits.perServer);
        if (at < 0) break;
        const { item, index } = waiting.splice(at, 1)[0]!;
        const server = serverOf(item);
        perServer.set(server, (perServer.get(server) ?? 0) + 1);
        running += 1;
        void work(item).then((result) => {
          results[index] = result;
          perServer.set(server, perServer.get(server)! - 1);
          running -= 1;
          pump();
        });
      }
      if (running === 0) resolve(results);
    };
    pump();
  });
}
