import { useState } from 'preact/hooks';
import { get, when } from '../api.js';
import { Loading, Section, Table, useLoad } from '../ui.js';

interface AuditPage {
  events: Array<{
    id: string;
    at: string;
    actor: string;
    action: string;
    target: string | null;
    details: unknown;
  }>;
  nextCursor: string | null;
}

const ACTIONS = [
  'api_key.created',
  'api_key.revoked',
  'api_key.rotated',
  'api_key.updated',
  'zoom_credentials.rotated',
  'zoom_credentials.rotation_refused',
  'zoom_auth.backoff_reset',
  'zoom.limits.block_lifted',
  'meetings.reconciled',
  'webhook_subscription.created',
  'webhook_subscription.updated',
  'webhook_subscription.deleted',
  'webhook_subscription.secret_rotated',
  'webhook_subscription.replayed',
  'webhook_delivery.retried',
  'console.signed_in',
  'console.session_revoked',
];

/** Who did what and when, newest first, filtered by action. */
export function Audit() {
  const [action, setAction] = useState('');
  const page = useLoad(
    () =>
      get<AuditPage>(
        `/api/admin/audit?limit=100${action ? `&action=${encodeURIComponent(action)}` : ''}`,
      ),
    [action],
  );
  return (
    <Section title="Audit trail">
      <p>
        <label for="audit-action">Action</label>{' '}
        <select
          id="audit-action"
          value={action}
          onChange={(e) => setAction((e.target as HTMLSelectElement).value)}
        >
          <option value="">every action</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </p>
      {!page.data ? (
        <Loading error={page.error} />
      ) : (
        <Table
          caption={`Audit events${action ? ` (${action})` : ''}`}
          head={['When', 'Who', 'Action', 'On', 'Details']}
        >
          {page.data.events.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.target ?? '—'}</td>
              <td>
                <code>
                  {e.details === null || e.details === undefined ? '—' : JSON.stringify(e.details)}
                </code>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Section>
  );
}
