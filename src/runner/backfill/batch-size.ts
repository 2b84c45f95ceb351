/**
 * The next batch size after a batch of `size` rows took `durationMs`: shrink in
 * proportion when it ran over `targetMs`, grow (at most double, up to a hundred times
 * the configured size) when a full batch took under half of it, else keep it.
 */
export function nextBatchSize(size: number, durationMs: number, options: { targetMs: number; configured: number; full: boolean }): number {
  const { targetMs, configured, full } = options;
  if (targetMs <= 0) return size;
  if (durationMs > targetMs) return Math.max(1, Math.floor((size * targetMs) / durationMs));
  if (!full || durationMs >= targetMs / 2) return size;
  // Aim below the target: a batch's duration varies with what else the server does.
  const factor = Math.min(2, (0.8 * targetMs) / Math.max(durationMs, 1));
  return Math.min(configured * 100, Math.max(size + 1, Math.floor(size * factor)));
}
