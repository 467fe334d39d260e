import {
  DEFAULT_CATEGORY,
  rowsFromSpec,
  type SpecFragment,
} from '../../../scripts/zoom-routes/generate.mjs';
import { ZoomRouteTable, type ZoomRouteRow } from './zoom-route-table.js';

const table = ZoomRouteTable.default();

/**
 * A value for the parameter at `index` that no literal segment can equal: Zoom's literals are
 * lower-case words, and this has a `~`.
 */
function sample(index: number): string {
  return `Ab~${index}`;
}

/** The row's template with every `{param}` replaced by a sample value. */
function concretePath(row: ZoomRouteRow): string {
  let index = 0;
  return row.path.replace(/\{[^}]+\}/g, () => sample(index++));
}

function expressTemplate(row: ZoomRouteRow): string {
  return row.path.replace(/\{([^}]+)\}/g, ':$1');
}

describe(ZoomRouteTable.name, () => {
  describe('every operation in the data file', () => {
    it('holds all of Zoom Phone, Contact Center and the general APIs', () => {
      expect(table.rows.length).toBeGreaterThan(1900);
      expect(table.rows.filter((row) => row.product === 'phone').length).toBeGreaterThan(350);
      expect(table.rows.filter((row) => row.product === 'contact_center').length).toBeGreaterThan(
        200,
      );
    });

    it('is found again from a concrete path with sample values for its parameters', () => {
      const misses: string[] = [];
      for (const row of table.rows) {
        const path = concretePath(row);
        const match = table.lookup(row.method, path);
        if (match.row !== row) {
          misses.push(`${row.method} ${path} -> ${match.row?.path ?? match.template}`);
          continue;
        }
        expect(match.template).toBe(expressTemplate(row));
        expect(match.category).toBe(row.category);
        const names = [...row.path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
        expect(Object.keys(match.params)).toEqual(names);
        names.forEach((name, index) => expect(match.params[name]).toBe(sample(index)));
      }
      expect(misses).toEqual([]);
    });

    it('is listed once per method and template, sorted by path then method', () => {
      const keys = table.rows.map((row) => `${row.path} ${row.method}`);
      expect(new Set(keys).size).toBe(keys.length);
      const sorted = [...table.rows].sort((a, b) =>
        a.path !== b.path ? (a.path < b.path ? -1 : 1) : a.method < b.method ? -1 : 1,
      );
      expect(sorted).toEqual(table.rows);
    });
  });

  describe('lookup', () => {
    it('prefers the literal /users/summary to the parameter in /users/{userId}', () => {
      expect(table.lookup('GET', '/users/summary').row?.path).toBe('/users/summary');
      const user = table.lookup('GET', '/users/jane%40example.com');
      expect(user.template).toBe('/users/:userId');
      expect(user.params.userId).toBe('jane%40example.com');
    });

    it('falls back to the parameter when the literal route has no such method', () => {
      expect(table.lookup('PATCH', '/users/summary').template).toBe('/users/:userId');
    });

    it('falls back to the parameter when the literal branch has no such sub-path', () => {
      expect(table.lookup('GET', '/users/summary/meetings').template).toBe(
        '/users/:userId/meetings',
      );
    });

    it('answers HEAD with the GET row', () => {
      const head = table.lookup('HEAD', '/users/me/meetings');
      expect(head.row).toBe(table.lookup('GET', '/users/me/meetings').row);
      expect(head.row?.method).toBe('GET');
    });

    it('ignores a trailing slash and the case of literal segments and of the method', () => {
      expect(table.lookup('get', '/Users/me/Meetings/').template).toBe('/users/:userId/meetings');
    });

    it('compares literal segments decoded, as zoomTargetOf does', () => {
      expect(table.lookup('GET', '/%75sers/summary').row?.path).toBe('/users/summary');
    });

    it('keeps parameters percent-encoded', () => {
      const match = table.lookup('GET', '/past_meetings/ab%2F%2Fc%3D%3D/participants');
      expect(match.params.meetingId).toBe('ab%2F%2Fc%3D%3D');
    });

    it('labels an unknown route by its product and paces it as Heavy', () => {
      const match = table.lookup('GET', '/users/me/no_such_thing');
      expect(match.row).toBe(undefined);
      expect(match.template).toBe('/users/*');
      expect(match.category).toBe('heavy');
      expect(match.product).toBe('general');
      expect(match.daily).toBe(null);
    });

    it('labels a route outside every Zoom product /*', () => {
      expect(table.lookup('GET', '/not-zoom/123').template).toBe('/*');
      expect(table.lookup('GET', '/').template).toBe('/*');
      expect(table.lookup('GET', '//users').template).toBe('/*');
    });

    it("paces an unknown phone or contact center route as that product's Heavy", () => {
      const phone = table.lookup('POST', '/phone/no_such_thing/1');
      expect(phone.template).toBe('/phone/*');
      expect(phone.category).toBe('heavy');
      expect(phone.product).toBe('phone');
      expect(table.lookup('GET', '/contact_center/no_such_thing').product).toBe('contact_center');
    });

    it('files known phone and contact center routes under their product', () => {
      expect(table.lookup('GET', '/phone/users/abc').product).toBe('phone');
      expect(table.lookup('GET', '/contact_center/users').product).toBe('contact_center');
      expect(table.lookup('GET', '/users').product).toBe('general');
    });

    it('gives the Dashboards overviews the Resource-intensive category, as Zoom labels them', () => {
      const overview = table.lookup('GET', '/metrics/meetings');
      expect(overview.category).toBe('resource_intensive');
      expect(overview.row?.area).toBe('dashboards');
      expect(table.lookup('GET', '/metrics/meetings/123').category).toBe('heavy');
    });

    it('names the daily limit that meeting creates and registrations spend', () => {
      expect(table.lookup('POST', '/users/me/meetings').daily).toBe('host_user');
      expect(table.lookup('PATCH', '/webinars/123').daily).toBe('host_user');
      expect(table.lookup('GET', '/meetings/123').daily).toBe(null);
      expect(table.lookup('POST', '/meetings/123/registrants').daily).toBe('registrant');
      expect(table.lookup('POST', '/webinars/123/batch_registrants').daily).toBe('registrant');
      expect(table.lookup('PUT', '/meetings/123/registrants/status').daily).toBe(
        'registrant_status',
      );
      expect(table.lookup('PUT', '/meetings/123/recordings/registrants/status').daily).toBe(null);
    });
  });
});

describe(rowsFromSpec.name, () => {
  // Copied from Zoom's Meetings and Accounts specs (descriptions cut to their last lines).
  const fragment: SpecFragment = {
    paths: {
      '/meetings/{meetingId}/registrants/status': {
        put: {
          operationId: 'meetingRegistrantStatus',
          summary: 'Update registrant status',
          description:
            'This API has an additional rate limit of requests per registrant, per 24-hour period. [See the Rate Limits page](/docs/api/rate-limits/) for more information.\n\n**[Scopes](https://developers.zoom.us/docs/integrations/oauth-scopes-overview/):** `meeting:write:admin`,`meeting:write`\n\n**[Rate Limit Label](https://marketplace.zoom.us/docs/api-reference/rate-limits#rate-limits):** `MEDIUM`',
        },
      },
      '/metrics/meetings': {
        get: {
          operationId: 'dashboardMeetings',
          summary: 'List meetings',
          description:
            '**[Granular Scopes](https://developers.zoom.us/docs/integrations/oauth-scopes-overview/):** `dashboard:read:list_meetings:admin`\n\n**[Rate Limit Label](https://marketplace.zoom.us/docs/api-reference/rate-limits#rate-limits):** `RESOURCE-INTENSIVE`',
        },
      },
      '/report/meetings/{meetingId}/participants': {
        get: {
          operationId: 'reportMeetingParticipants',
          summary: 'Get meeting participant reports',
          description:
            '**[Granular Scopes](https://developers.zoom.us/docs/integrations/oauth-scopes-overview/):** `report:read:list_meeting_participants:admin`\n\n**[Rate Limit Label](https://marketplace.zoom.us/docs/api-reference/rate-limits#rate-limits):** `Heavy`',
        },
      },
      '/users/{userId}/webinar_templates': {
        get: {
          operationId: 'listWebinarTemplates',
          summary: 'List webinar templates',
          description:
            "Display a list of a user's webinar templates.\n\n**[Granular Scopes](https://developers.zoom.us/docs/integrations/oauth-scopes-overview/):** `webinar:read:list_templates`,`webinar:read:list_templates:admin`",
        },
      },
    },
  };

  it('turns each operation into a row with its normalised category, product, daily limit and area', () => {
    expect(rowsFromSpec(fragment, 'captured')).toEqual([
      {
        method: 'PUT',
        path: '/meetings/{meetingId}/registrants/status',
        category: 'medium',
        product: 'general',
        daily: 'registrant_status',
        area: 'meetings',
        source: 'captured',
      },
      {
        method: 'GET',
        path: '/metrics/meetings',
        category: 'resource_intensive',
        product: 'general',
        daily: null,
        area: 'dashboards',
        source: 'captured',
      },
      {
        method: 'GET',
        path: '/report/meetings/{meetingId}/participants',
        category: 'heavy',
        product: 'general',
        daily: null,
        area: 'reports',
        source: 'captured',
      },
      {
        method: 'GET',
        path: '/users/{userId}/webinar_templates',
        category: DEFAULT_CATEGORY,
        product: 'general',
        daily: null,
        area: 'webinars',
        source: 'captured',
        labelled: false,
      },
    ]);
  });

  it('files /phone paths under Zoom Phone', () => {
    const [row] = rowsFromSpec(
      { paths: { '/phone/users/{userId}/': { get: { description: '`LIGHT`' } } } },
      'x',
    );
    expect(row?.path).toBe('/phone/users/{userId}');
    expect(row?.product).toBe('phone');
    // A backquoted word that is not the "Rate Limit Label" is no label.
    expect(row?.labelled).toBe(false);
  });
});
