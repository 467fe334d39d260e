/** A Server-to-Server OAuth app's credentials, as a token request names them. */
export interface S2sCredentials {
  clientId: string;
  clientSecret: string;
  accountId: string;
}

/** The request any Zoom client makes to `/oauth/token` for an S2S token: for fetch or undici alike. */
export function tokenRequest(credentials: S2sCredentials): {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
} {
  const basic = Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString(
    'base64',
  );
  return {
    method: 'POST',
    headers: {
      authorization: `Basic ${basic}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'account_credentials',
      account_id: credentials.accountId,
    }).toString(),
  };
}
