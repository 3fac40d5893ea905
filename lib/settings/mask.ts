// Masked forms of secrets for display. Only the last four characters ever leave the server — enough to
// tell keys apart. The masked form is built from the stored last four alone, so showing it never needs
// the key to be decrypted (and cannot leak a key prefix such as a project id).

export function lastFour(secret: string): string {
  return secret.length >= 12 ? secret.slice(-4) : "";
}

/** "…abcd"; keys too short to mask safely show as "…". */
export function maskApiKey(last4: string): string {
  return `…${last4}`;
}
