import { scrapeAllowed } from './metrics-access.js';

describe(scrapeAllowed.name, () => {
  it('lets every scrape in when no token is set', () => {
    expect(scrapeAllowed(undefined, undefined)).toBe(true);
  });

  it('lets in only the bearer that is the token', () => {
    const token = 'scrape-token-0123456789abcdef';
    expect(scrapeAllowed(token, `Bearer ${token}`)).toBe(true);
    expect(scrapeAllowed(token, undefined)).toBe(false);
    expect(scrapeAllowed(token, token)).toBe(false);
    expect(scrapeAllowed(token, `Bearer ${token.slice(1)}`)).toBe(false);
    expect(scrapeAllowed(token, `Basic ${token}`)).toBe(false);
  });
});
