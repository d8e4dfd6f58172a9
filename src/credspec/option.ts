/**
 * The `credentialspec` security option, the one home of how it is recognised: in a user's
 * `docker run --security-opt`, in a compose file's `security_opt`, in what an engine reports for a
 * container, and as a spec name typed with the whole option. Pure.
 *
 * The docker CLI still accepts the legacy `credentialspec:VALUE` form and sends `credentialspec=VALUE`;
 * the Windows engine compares the key without case. Spaces around the key are taken as the user's slip,
 * not as another option, so an entry docker gmsa would otherwise leave beside its own is caught.
 */
const OPTION = /^\s*credentialspec\s*[=:]/i;

/** Whether a security option names a credential spec. */
export function isCredentialSpecOpt(s: string): boolean {
  return OPTION.test(s);
}

/** The value of a credentialspec option (`file://x.json`, `raw://{...}`...); undefined for any other option. */
export function credentialSpecValue(s: string): string | undefined {
  const m = OPTION.exec(s);
  return m ? s.slice(m[0].length) : undefined;
}
