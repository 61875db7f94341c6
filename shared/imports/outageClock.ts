/**
 * Back-off for an import waiting out a database outage: 1 s, 2 s, 4 s... capped at 30 s, until
 * the waits add up to `budgetMs`. Only waiting counts, not the work between failures (reading a
 * large file again up to its checkpoint takes a while and is no sign of an outage); progress
 * (a committed chunk) starts a new outage.
 */
export class OutageClock {
  private since: Date | undefined;
  private attempts = 0;
  private waitedMs = 0;

  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The wait before the next attempt, or undefined once the waits have used up the budget. */
  nextWait(): { waitMs: number; attempt: number; since: Date } | undefined {
    this.since ??= new Date(this.now());
    if (this.waitedMs >= this.budgetMs) return undefined;
    this.attempts += 1;
    const waitMs = Math.min(30_000, 1000 * 2 ** (this.attempts - 1), this.budgetMs - this.waitedMs);
    this.waitedMs += waitMs;
    return { waitMs, attempt: this.attempts, since: this.since };
  }

  recovered(): void {
    this.since = undefined;
    this.attempts = 0;
    this.waitedMs = 0;
  }

  /** How long the current outage has lasted, from its first failure. */
  outageMs(): number {
    return this.since ? this.now() - this.since.getTime() : 0;
  }
}
