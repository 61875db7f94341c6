/**
 * Back-off for an import waiting out a database outage: 1 s, 2 s, 4 s... capped at 30 s, for
 * at most `budgetMs` from the first failure. Progress (a committed chunk) starts a new outage.
 */
export class OutageClock {
  private since: Date | undefined;
  private attempts = 0;

  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The wait before the next attempt, or undefined once the outage has outlasted the budget. */
  nextWait(): { waitMs: number; attempt: number; since: Date } | undefined {
    this.since ??= new Date(this.now());
    const elapsed = this.now() - this.since.getTime();
    if (elapsed >= this.budgetMs) return undefined;
    this.attempts += 1;
    const backoff = Math.min(30_000, 1000 * 2 ** (this.attempts - 1));
    // The last wait ends at the budget, so the final attempt happens right at its edge.
    return { waitMs: Math.min(backoff, this.budgetMs - elapsed), attempt: this.attempts, since: this.since };
  }

  recovered(): void {
    this.since = undefined;
    this.attempts = 0;
  }

  /** How long the current outage has lasted. */
  outageMs(): number {
    return this.since ? this.now() - this.since.getTime() : 0;
  }
}
