/** An app name (the part of API_KEYS before the key): what meetings record as their creator. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
