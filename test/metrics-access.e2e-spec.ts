import { ZoomSimulator } from '@zoom-gateway/zoom-simulator';
import { GatewayFleet } from './support/fleet.js';
import { freePort, type GatewayProcess } from './support/gateway-process.js';

// Issue 28, item 5: /metrics names every app, so an operator can close it: METRICS_TOKEN asks
// Prometheus for a bearer, METRICS_PORT moves it off the API's port.

const TOKEN = 'scrape-token-0123456789abcdef';

describe('/metrics behind METRICS_TOKEN on METRICS_PORT (one built gateway)', () => {
  const simulator = new ZoomSimulator({ plan: 'business' });
  let fleet: GatewayFleet;
  let gateway: GatewayProcess;
  let metricsUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    fleet = await GatewayFleet.open({
      simulator,
      apiKeys: { app: 'app-key-0123456789abcdef' },
      logLevel: 'warn',
      extra: { METRICS_TOKEN: TOKEN, METRICS_PORT: String(port) },
    });
    [gateway] = await fleet.start(1);
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it("serves no /metrics on the API's port", async () => {
    const answer = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(answer.status).toBe(404);
  });

  it('answers a scrape without the token, or with another, 401 and names nothing', async () => {
    for (const authorization of [
      undefined,
      'Bearer not-the-token-0123456789',
      `Bearer ${TOKEN}x`,
    ]) {
      const answer = await fetch(metricsUrl, {
        headers: authorization ? { authorization } : {},
      });
      const text = await answer.text();
      expect(answer.status).toBe(401);
      expect(text).not.toContain('zoom_');
    }
  });

  it('serves the Prometheus text to a scrape with the token', async () => {
    const answer = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('zoom_gateway_dependency_up');
  });
});
