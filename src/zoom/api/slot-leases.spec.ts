import { LEASE_MS } from './rate-limit-slots.js';
import { MAX_LEASE, SlotLeases } from './slot-leases.js';

describe(SlotLeases.name, () => {
  const second = 1_000_000;

  it('asks for no lease until a line makes more than one call per lease', () => {
    const leases = new SlotLeases();
    const callsPerLease = 1_000 / LEASE_MS;
    for (let i = 0; i < callsPerLease; i++) leases.take('light:app', second + i);
    expect(leases.wanted('light:app', second + 10)).toBe(1);
    for (let i = 0; i < callsPerLease; i++) leases.take('light:app', second + 20 + i);
    expect(leases.wanted('light:app', second + 30)).toBe(2);
  });

  it("sizes a lease to the line's calls in the last second, at most MAX_LEASE", () => {
    const leases = new SlotLeases();
    for (let i = 0; i < 40; i++) leases.take('light:app', second + i * 25);
    // A new second: the one before says 40 a second, 8 per lease of 200 ms.
    expect(leases.wanted('light:app', second + 1_000)).toBe(8);
    for (let i = 0; i < 500; i++) leases.take('light:app', second + 1_000 + i);
    expect(leases.wanted('light:app', second + 1_600)).toBe(MAX_LEASE);
    // A second without calls in between: the pace starts over.
    expect(leases.wanted('light:app', second + 3_000)).toBe(1);
  });

  it('hands out the slots kept, each only before its end, only to its line', () => {
    const leases = new SlotLeases();
    leases.keep('light:app', 2, second); // usable until second + 100 and second + 200
    expect(leases.take('light:other', second)).toBe(false);
    expect(leases.take('light:app', second)).toBe(true);
    expect(leases.take('light:app', second + LEASE_MS)).toBe(false);

    leases.keep('light:app', 2, second);
    expect([1, 2, 3].map((i) => leases.take('light:app', second + i))).toEqual([true, true, false]);

    // A slot that ended unused is skipped for the next one still usable.
    leases.keep('light:app', 2, second);
    expect(leases.take('light:app', second + 150)).toBe(true);
    expect(leases.take('light:app', second + 160)).toBe(false);
  });

  it("drops a category's leases, and only that category's", () => {
    const leases = new SlotLeases();
    leases.keep('light:app', 5, second);
    leases.keep('medium:app', 5, second);
    leases.drop('light');
    expect(leases.take('light:app', second)).toBe(false);
    expect(leases.take('medium:app', second)).toBe(true);
  });
});
