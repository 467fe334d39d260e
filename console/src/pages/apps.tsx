import { useState } from 'preact/hooks';
import { api, get, when } from '../api.js';
import type { Me } from '../app.js';
import { Badge, Loading, Notice, Section, Table, useAction, useLoad } from '../ui.js';

interface AppView {
  name: string;
  source: string;
  admin: boolean;
  grants: string;
  createdAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  keys: Array<{ createdAt: string | null; retiresAt: string | null }>;
}

/** A key shown once: kept only in this component until dismissed, never re-rendered later. */
function NewKey({ issued, onDone }: { issued: { name: string; key: string }; onDone: () => void }) {
  return (
    <div class="secret" role="alert">
      <p>
        <strong>New key for {issued.name}.</strong> Copy it now: it is shown this once and the
        gateway keeps only its hash.
      </p>
      <p>
        <label for="new-key">Key</label>
        <input
          id="new-key"
          readOnly
          value={issued.key}
          onFocus={(e) => (e.target as HTMLInputElement).select()}
        />
      </p>
      <button type="button" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

export function Apps({ me }: { me: Me }) {
  const apps = useLoad(() => get<{ apiKeys: AppView[] }>('/api/admin/api-keys'));
  const use = useLoad(() =>
    get<{ apps: Array<{ app: string; calls: number; refusals: number }> }>(
      '/api/admin/fleet/apps?hours=24',
    ),
  );
  const useOf = (name: string) => use.data?.apps.find((u) => u.app === name);
  const action = useAction(apps.reload);
  const [issued, setIssued] = useState<{ name: string; key: string } | undefined>();
  const [name, setName] = useState('');
  const [grants, setGrants] = useState('');
  const [expires, setExpires] = useState('');

  const make = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const body: Record<string, string> = { name: name.trim() };
      if (grants.trim()) body.grants = grants.trim();
      if (expires) body.expiresAt = new Date(expires).toISOString();
      const made = await api<{ name: string; key: string }>('POST', '/api/admin/api-keys', body);
      setIssued({ name: made.name, key: made.key });
      setName('');
      setGrants('');
      setExpires('');
      return `key made for ${made.name}`;
    });
  };
  const rotate = (app: string) =>
    void action.run(async () => {
      const made = await api<{ key: string }>(
        'POST',
        `/api/admin/api-keys/${encodeURIComponent(app)}/rotate`,
        {},
      );
      setIssued({ name: app, key: made.key });
      return `${app} has a new key; the old one works for an hour more`;
    });
  const revoke = (app: string) => {
    if (!confirm(`Revoke every key of ${app}? Its calls are refused within 2 seconds.`)) return;
    void action.run(async () => {
      await api('DELETE', `/api/admin/api-keys/${encodeURIComponent(app)}`);
      return `${app} revoked`;
    });
  };
  const changeGrants = (app: string, current: string) => {
    const next = prompt(`Grants of ${app} (e.g. meetings=rw,users=r):`, current);
    if (next === null || next.trim() === current) return;
    void action.run(async () => {
      await api('PATCH', `/api/admin/api-keys/${encodeURIComponent(app)}`, { grants: next.trim() });
      return `grants of ${app} changed`;
    });
  };

  return (
    <>
      <Notice notice={action.notice} />
      {issued && <NewKey issued={issued} onDone={() => setIssued(undefined)} />}
      <Section title="Apps and their keys">
        {!apps.data ? (
          <Loading error={apps.error} />
        ) : (
          <Table
            caption="Apps"
            head={[
              'App',
              'State',
              'Grants',
              'Made',
              'Expires',
              'Last use',
              'Calls / refused (24 h, fleet)',
              'Keys',
              'Actions',
            ]}
          >
            {apps.data.apiKeys.map((app) => {
              const live =
                !app.revokedAt && !(app.expiresAt && new Date(app.expiresAt) < new Date());
              const fromEnv = app.source === 'environment';
              return (
                <tr key={app.name}>
                  <th scope="row">{app.name}</th>
                  <td>
                    <Badge ok={live}>{app.revokedAt ? 'revoked' : live ? 'live' : 'expired'}</Badge>
                    {app.admin ? ' admin' : ''}
                  </td>
                  <td>
                    <code>{app.grants}</code>
                  </td>
                  <td>{fromEnv ? 'environment' : when(app.createdAt)}</td>
                  <td>{app.expiresAt ? when(app.expiresAt) : 'never'}</td>
                  <td>{when(app.lastUsedAt)}</td>
                  <td>
                    {useOf(app.name)?.calls ?? 0} / {useOf(app.name)?.refusals ?? 0}
                  </td>
                  <td>{app.keys.length}</td>
                  <td class="actions">
                    {live && !fromEnv && (
                      <>
                        <button
                          type="button"
                          disabled={!me.mayAct || action.busy}
                          onClick={() => rotate(app.name)}
                          aria-label={`Rotate the key of ${app.name}`}
                        >
                          Rotate
                        </button>
                        <button
                          type="button"
                          disabled={!me.mayAct || action.busy}
                          onClick={() => changeGrants(app.name, app.grants)}
                          aria-label={`Change the grants of ${app.name}`}
                        >
                          Grants
                        </button>
                        <button
                          type="button"
                          class="danger"
                          disabled={!me.mayAct || action.busy}
                          onClick={() => revoke(app.name)}
                          aria-label={`Revoke ${app.name}`}
                        >
                          Revoke
                        </button>
                      </>
                    )}
                    {fromEnv && <span class="hint">from the environment</span>}
                  </td>
                </tr>
              );
            })}
          </Table>
        )}
      </Section>
      <Section title="Make a key">
        <form class="inline-form" onSubmit={make}>
          <p>
            <label for="app-name">App name</label>
            <input
              id="app-name"
              required
              pattern="[A-Za-z0-9][A-Za-z0-9_.\-]*"
              value={name}
              onInput={(e) => setName((e.target as HTMLInputElement).value)}
            />
          </p>
          <p>
            <label for="app-grants">Grants (optional)</label>
            <input
              id="app-grants"
              placeholder="meetings=rw"
              value={grants}
              onInput={(e) => setGrants((e.target as HTMLInputElement).value)}
              aria-describedby="grants-hint"
            />
            <span id="grants-hint" class="hint">
              Empty: the default grants of an app.
            </span>
          </p>
          <p>
            <label for="app-expires">Expires (optional)</label>
            <input
              id="app-expires"
              type="datetime-local"
              value={expires}
              onInput={(e) => setExpires((e.target as HTMLInputElement).value)}
            />
          </p>
          <button type="submit" disabled={!me.mayAct || action.busy}>
            Make the key
          </button>
        </form>
      </Section>
    </>
  );
}
