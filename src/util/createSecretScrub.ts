/**
 * A function that masks the credentials of `url` in a text, for what a server says back: a
 * hostile or careless one (a proxy's debug page, an auth layer echoing the request) may quote the
 * password or the Basic auth header we sent it, and its words end up in logs and on /health.
 */
export function createSecretScrub(url: string): (text: string) => string {
  const { username, password } = new URL(url);
  const user = decodeURIComponent(username);
  const pass = decodeURIComponent(password);
  const basic = Buffer.from(`${user}:${pass}`).toString('base64');
  // Longest first, so the password is not masked inside a longer secret that is then missed.
  const secrets = password ? [...new Set([basic, `${user}:${pass}`, password, pass])].sort((a, b) => b.length - a.length) : [];
  return (text) => secrets.reduce((scrubbed, secret) => scrubbed.split(secret).join('***'), text);
}
