import { OutageClock } from './outageClock';

describe('waiting out a database outage', () => {
  test('waits double each time, never more than 30 s, and gives up once the budget is spent', () => {
    let now = 0;
    const clock = new OutageClock(60_000, () => now);
    const waits: number[] = [];
    for (let next = clock.nextWait(); next; next = clock.nextWait()) {
      waits.push(next.waitMs);
      now += next.waitMs;
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 29000]);
    expect(waits.reduce((sum, wait) => sum + wait, 0)).toBe(60_000);
  });

  test('time spent working between failures is not charged to the outage', () => {
    let now = 0;
    const clock = new OutageClock(3000, () => now);
    now += clock.nextWait()!.waitMs + 60_000;
    expect(clock.nextWait()).toMatchObject({ waitMs: 2000, attempt: 2 });
    expect(clock.nextWait()).toBeUndefined();
    expect(clock.outageMs()).toBe(61_000);
  });

  test('progress starts a new outage with the whole budget and a short first wait', () => {
    let now = 0;
    const clock = new OutageClock(10_000, () => now);
    now += clock.nextWait()!.waitMs;
    now += clock.nextWait()!.waitMs;
    clock.recovered();
    now += 50_000;
    expect(clock.nextWait()).toMatchObject({ waitMs: 1000, attempt: 1 });
    expect(clock.outageMs()).toBe(0);
  });
});
