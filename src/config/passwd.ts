/**
 * The passwd entry of one user id in /etc/passwd's text (passwd(5): seven
 * colon-separated fields, name:password:UID:GID:GECOS:directory:shell): the
 * first line with that id, as the C library's "files" lookup finds it.
 * Undefined when there is none, or when the file defers to other sources
 * (NIS "+"/"-" lines): then the system lookup decides (LDAP, sssd…).
 */
export interface PasswdEntry {
  name: string;
  home: string;
}

export function passwdEntry(text: string, uid: number): PasswdEntry | undefined {
  const id = String(uid);
  for (const line of text.split('\n')) {
    if (line.startsWith('+') || line.startsWith('-')) return undefined;
    const fields = line.split(':');
    if (fields.length === 7 && fields[2] === id) return { name: fields[0]!, home: fields[5]! };
  }
  return undefined;
}
