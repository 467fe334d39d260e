/** One version of the S2S app's credentials, decrypted in memory only. */
export interface ZoomCredentials {
  version: number;
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** sha256(clientId:clientSecret) first 12 hex: names a version in logs without revealing it. */
  fingerprint: string;
}
