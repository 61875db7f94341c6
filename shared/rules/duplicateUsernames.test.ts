import { DuplicateUsernameTracker, UsernameHashCollector } from './duplicateUsernames';

function findDuplicates(keys: string[]) {
  const collector = new UsernameHashCollector();
  keys.forEach((key) => collector.add(key));
  const tracker = new DuplicateUsernameTracker(collector.repeatedHashes());
  return keys.map((key, index) => tracker.see(key, index + 1));
}

describe('duplicate usernames within one file', () => {
  test('the second and later rows with a username point at the first row that had it', () => {
    expect(findDuplicates(['ann', 'bob', 'ann', 'cy', 'ann', 'bob'])).toEqual([undefined, undefined, 1, undefined, 1, 2]);
  });

  test('a file without repeats reports none and keeps no usernames', () => {
    const collector = new UsernameHashCollector();
    for (let i = 0; i < 5000; i++) collector.add(`user${i}`);
    expect(collector.repeatedHashes().size).toBe(0);
  });

  test('different usernames that share a hash are not called duplicates', () => {
    // Force every hash to count as repeated: the exact comparison must still tell them apart.
    const tracker = new DuplicateUsernameTracker({ has: () => true, size: 1 } as unknown as Set<number>);
    expect([tracker.see('ann', 1), tracker.see('bob', 2), tracker.see('ann', 3)]).toEqual([undefined, undefined, 1]);
  });
});
