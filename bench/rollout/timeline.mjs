// The phases of one run on one clock: ms since the run started.

export class Timeline {
  constructor() {
    this.origin = performance.now();
    /** @type {{ name: string, label: string, start: number, end: number }[]} */
    this.phases = [];
  }

  /** Starts the clock again: what happened before has a negative time. */
  restart() {
    this.origin = performance.now();
  }

  /** ms since the run started. */
  now() {
    return performance.now() - this.origin;
  }

  /** Ends the current phase (if any) and starts `name`. */
  begin(name, label) {
    this.end();
    this.phases.push({ name, label, start: this.now(), end: Number.NaN });
  }

  end() {
    const current = this.phases.at(-1);
    if (current && Number.isNaN(current.end)) current.end = this.now();
  }

  /** The phase a request that started at `t` belongs to. */
  phaseAt(t) {
    return this.phases.find((p) => t >= p.start && t < p.end)?.name;
  }
}
