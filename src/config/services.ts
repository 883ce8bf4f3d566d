/**
 * Pure parser for /etc/services text: service name (and aliases) → TCP port.
 * The caller reads the file; this module never touches fs.
 */

export type PortLookup = (name: string) => number | undefined;

/** Map every TCP service name and alias to its port; the first entry of a name wins. */
export function parseServices(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/);
    const m = /^(\d+)\/tcp$/i.exec(fields[1] ?? '');
    if (!m) continue;
    const port = Number(m[1]);
    if (port < 1 || port > 65535) continue;
    for (const name of [fields[0]!, ...fields.slice(2)]) {
      if (!map.has(name)) map.set(name, port);
    }
  }
  return map;
}

/** A PortLookup over /etc/services text (service names are case-sensitive, as getservbyname). */
export function servicesLookup(text: string): PortLookup {
  const map = parseServices(text);
  return (name) => map.get(name);
}
