import { useState } from 'preact/hooks';
import { api, get, when } from '../api.js';
import type { Me } from '../app.js';
import { Badge, Loading, Notice, Section, Table, useAction, useLoad } from '../ui.js';

interface Overview {
  active: { version: number; clientId: string; fingerprint: string } | null;
  versions: Array<{
    version: number;
    state: string;
    fingerprint: string;
    clientId: string;
    source: string;
    createdBy: string | null;
    createdAt: string;
    activatedAt: string | null;
    retiredAt: string | null;
  }>;
  events: Array<{
    version: number;
    event: string;
    actor: string | null;
    reason: string | null;
    at: string;
  }>;
  automatedRotation: {
    appId: string | null;
    intervalHours: number | null;
    alarm: { message: string } | null;
  };
}

/** The S2S app's credential versions (fingerprints, never a secret) and rotation with validation. */
export function Credentials({ me }: { me: Me }) {
  const overview = useLoad(() => get<Overview>('/api/admin/zoom/credentials'));
  const action = useAction(overview.reload);
  const [secret, setSecret] = useState('');
  const [clientId, setClientId] = useState('');

  const rotate = (event: Event) => {
    event.preventDefault();
    const body: Record<string, string> = { clientSecret: secret };
    if (clientId.trim()) body.clientId = clientId.trim();
    // The secret leaves the page with this request and is never shown again.
    setSecret('');
    void action.run(async () => {
      const made = await api<{ version: number }>('POST', '/api/admin/zoom/credentials', body);
      setClientId('');
      return `Zoom accepted the new secret: version ${made.version} is active on every replica`;
    });
  };

  const o = overview.data;
  return (
    <>
      <Notice notice={action.notice} />
      <Section title="Versions">
        {!o ? (
          <Loading error={overview.error} />
        ) : (
          <>
            <p>
              Active:{' '}
              {o.active ? (
                <>
                  version {o.active.version}, client id <code>{o.active.clientId}</code>, secret
                  fingerprint <code>{o.active.fingerprint}</code>
                </>
              ) : (
                'none'
              )}
              .
            </p>
            {o.automatedRotation.alarm && (
              <p class="notice bad">
                <strong>Automated rotation alarm: </strong>
                {o.automatedRotation.alarm.message}
              </p>
            )}
            <Table
              caption="Credential versions (no secrets)"
              head={[
                'Version',
                'State',
                'Client id',
                'Fingerprint',
                'Source',
                'By',
                'Made',
                'Activated',
                'Retired',
              ]}
            >
              {o.versions.map((v) => (
                <tr key={v.version}>
                  <th scope="row">{v.version}</th>
                  <td>
                    <Badge ok={v.state === 'active' ? true : v.state === 'rejected' ? false : null}>
                      {v.state}
                    </Badge>
                  </td>
                  <td>
                    <code>{v.clientId}</code>
                  </td>
                  <td>
                    <code>{v.fingerprint}</code>
                  </td>
                  <td>{v.source}</td>
                  <td>{v.createdBy ?? '—'}</td>
                  <td>{when(v.createdAt)}</td>
                  <td>{when(v.activatedAt)}</td>
                  <td>{when(v.retiredAt)}</td>
                </tr>
              ))}
            </Table>
          </>
        )}
      </Section>
      <Section title="Rotate the client secret">
        <p>
          The gateway mints a token with the new secret first; only a secret Zoom accepts becomes
          active, on every replica. A refused secret changes nothing.
        </p>
        <form class="inline-form" onSubmit={rotate}>
          <p>
            <label for="client-secret">New client secret</label>
            <input
              id="client-secret"
              type="password"
              autocomplete="off"
              required
              value={secret}
              onInput={(e) => setSecret((e.target as HTMLInputElement).value)}
            />
          </p>
          <p>
            <label for="client-id">Client id (only if it changed)</label>
            <input
              id="client-id"
              autocomplete="off"
              value={clientId}
              onInput={(e) => setClientId((e.target as HTMLInputElement).value)}
            />
          </p>
          <button type="submit" disabled={!me.mayAct || action.busy}>
            Validate and rotate
          </button>
        </form>
      </Section>
      {o && (
        <Section title="Recent credential events">
          <Table caption="Credential events" head={['When', 'Version', 'Event', 'By', 'Reason']}>
            {o.events.slice(0, 20).map((e, i) => (
              <tr key={i}>
                <td>{when(e.at)}</td>
                <td>{e.version}</td>
                <td>{e.event}</td>
                <td>{e.actor ?? '—'}</td>
                <td>{e.reason ?? '—'}</td>
              </tr>
            ))}
          </Table>
        </Section>
      )}
    </>
  );
}
