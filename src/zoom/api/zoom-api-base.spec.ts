import { AppConfig } from '../../config/app-config.js';
import { apiHost } from '../token/zoom-oauth.client.js';
import { zoomApiBase } from './zoom-api-base.js';

const config = (explicit: boolean) =>
  Object.assign(new AppConfig(), {
    zoomApiBaseUrl: 'https://api.zoom.us/v2',
    zoomApiBaseUrlExplicit: explicit,
  });

describe(zoomApiBase.name, () => {
  it("follows the token answer's regional api_url when ZOOM_API_BASE_URL is not set", () => {
    expect(zoomApiBase(config(false), { apiUrl: 'https://api-eu.zoom.us' })).toBe(
      'https://api-eu.zoom.us/v2',
    );
    expect(zoomApiBase(config(false), {})).toBe('https://api.zoom.us/v2');
  });

  it('keeps ZOOM_API_BASE_URL when an operator set it', () => {
    expect(zoomApiBase(config(true), { apiUrl: 'https://api-eu.zoom.us' })).toBe(
      'https://api.zoom.us/v2',
    );
  });
});

describe(apiHost.name, () => {
  it('keeps an origin and refuses anything else', () => {
    expect(apiHost('https://api-eu.zoom.us')).toBe('https://api-eu.zoom.us');
    expect(apiHost('https://api-eu.zoom.us/')).toBe('https://api-eu.zoom.us');
    expect(apiHost('https://u:p@api.zoom.us')).toBeUndefined();
    expect(apiHost('https://api.zoom.us/v2?x=1')).toBeUndefined();
    expect(apiHost('ftp://api.zoom.us')).toBeUndefined();
    expect(apiHost(42)).toBeUndefined();
  });
});
