import { FleetSize } from './fleet-size.js';

describe(FleetSize.name, () => {
  it('gives each replica its share of a limit, at least one call, 1 replica until one is seen', () => {
    const size = new FleetSize();
    expect(size.shareOf(30)).toBe(30);
    size.seen(3);
    expect(size.replicas).toBe(3);
    expect(size.shareOf(30)).toBe(10);
    expect(size.shareOf(2)).toBe(1);
    size.seen(0);
    expect(size.replicas).toBe(1);
  });
});
