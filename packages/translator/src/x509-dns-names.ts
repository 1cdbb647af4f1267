/**
 * The DNS names (subjectAltName dNSName entries) of the first certificate in a PEM chain, read
 * with a minimal DER walker: enough to give a server certificate its SNIs without node:crypto.
 * Returns undefined when the PEM or DER is not what X.509 says (never throws).
 */
export function certificateDnsNames(pem: string): string[] | undefined {
  try {
    const der = firstCertificateDer(pem);
    if (!der) return undefined;
    const cert = readTlv(der, 0);
    const tbs = readTlv(der, cert.start);
    let at = tbs.start;
    let extensions: Tlv | undefined;
    while (at < tbs.end) {
      const field = readTlv(der, at);
      if (der[at] === 0xa3) extensions = field;
      at = field.end;
    }
    if (!extensions) return [];
    const list = readTlv(der, extensions.start);
    const names: string[] = [];
    for (let e = list.start; e < list.end; ) {
      const ext = readTlv(der, e);
      const oid = readTlv(der, ext.start);
      if (isSanOid(der, oid)) {
        let v = readTlv(der, oid.end);
        if (der[oid.end] === 0x01) v = readTlv(der, v.end); // skip `critical`
        const general = readTlv(der, v.start);
        for (let g = general.start; g < general.end; ) {
          const name = readTlv(der, g);
          if (der[g] === 0x82) names.push(ascii(der, name.start, name.end));
          g = name.end;
        }
      }
      e = ext.end;
    }
    return names;
  } catch {
    return undefined;
  }
}

interface Tlv {
  /** Offset of the value. */
  start: number;
  /** Offset just past the value. */
  end: number;
}

function readTlv(der: Uint8Array, at: number): Tlv {
  if (at + 2 > der.length) throw new RangeError('truncated DER');
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    if (bytes === 0 || bytes > 4) throw new RangeError('unsupported DER length');
    len = 0;
    for (let i = 0; i < bytes; i++) len = len * 256 + der[start + i]!;
    start += bytes;
  }
  const end = start + len;
  if (end > der.length) throw new RangeError('truncated DER');
  return { start, end };
}

/** 2.5.29.17 (subjectAltName) is 55 1D 11. */
function isSanOid(der: Uint8Array, oid: Tlv): boolean {
  return oid.end - oid.start === 3 && der[oid.start] === 0x55 && der[oid.start + 1] === 0x1d && der[oid.start + 2] === 0x11;
}

function ascii(der: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(der[i]!);
  return s;
}

function firstCertificateDer(pem: string): Uint8Array | undefined {
  const begin = pem.indexOf('-----BEGIN CERTIFICATE-----');
  if (begin < 0) return undefined;
  const from = begin + '-----BEGIN CERTIFICATE-----'.length;
  const to = pem.indexOf('-----END CERTIFICATE-----', from);
  if (to < 0) return undefined;
  const b64 = pem.slice(from, to).replace(/\s+/g, '');
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
