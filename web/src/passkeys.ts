// WebAuthn in the JSON the API speaks (WebAuthn Level 3's parse*FromJSON and toJSON).

/**
 * Whether this browser can use a passkey here: a secure context with the Level 3 JSON helpers, on a
 * host name (WebAuthn refuses an IP address such as 127.0.0.1 as the relying party; use localhost).
 */
export function passkeysSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    window.isSecureContext &&
    !/^[\d.]+$|^\[/.test(window.location.hostname) &&
    typeof PublicKeyCredential !== 'undefined' &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function' &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function'
  );
}

/** Asks the browser for a new passkey from the API's creation options; the credential as JSON text. */
export async function createPasskey(optionsJson: string): Promise<string> {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(JSON.parse(optionsJson) as PublicKeyCredentialCreationOptionsJSON);
  return credentialJson(await navigator.credentials.create({ publicKey }));
}

/** Asks the browser to sign the API's challenge with a passkey; the assertion as JSON text. */
export async function getPasskey(optionsJson: string): Promise<string> {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(optionsJson) as PublicKeyCredentialRequestOptionsJSON);
  return credentialJson(await navigator.credentials.get({ publicKey }));
}

function credentialJson(credential: Credential | null): string {
  if (!(credential instanceof PublicKeyCredential)) throw new DOMException('No passkey was used.', 'NotAllowedError');
  return JSON.stringify(credential.toJSON());
}

/** A sentence for a browser-side failure (the person cancelled, the key is already there, ...). */
export function passkeyFailure(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'AbortError') return 'No passkey was used: the request was cancelled or timed out. Try again.';
  if (name === 'InvalidStateError') return 'This device or security key already holds a passkey for your account.';
  return 'This browser could not use a passkey. Try another way.';
}
