/**
 * PAC file bytes → script text. Pure. The charset the server names in
 * Content-Type when Node knows it; otherwise UTF-8 when the bytes are valid
 * UTF-8 (a BOM is dropped), else ISO-8859-1, which every byte sequence is.
 */
export function decodePac(bytes: Uint8Array, contentType?: string): string {
  const label = charsetOf(contentType);
  if (label) {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      /* an unknown label: as if none were given */
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/** `text/plain; charset="UTF-8"` → `utf-8` (RFC 9110 §8.3.1: parameter names are case-insensitive). */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const label = (m?.[1] ?? m?.[2])?.trim().toLowerCase();
  return label || undefined;
}
