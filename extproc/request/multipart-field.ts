import { malformedRequest } from '../errors/gateway-error.js';

/**
 * Replaces the value of one text field of a multipart/form-data body in place, leaving every
 * other byte (boundary, other fields, the uploaded file) as it was: the multipart counterpart of
 * `setTopLevelField`, used to apply a model override to audio uploads without re-encoding them.
 * @see https://www.rfc-editor.org/rfc/rfc7578
 */
export function setMultipartField(body: Buffer, contentType: string, name: string, value: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const token = boundary?.[1] ?? boundary?.[2];
  if (!token) throw malformedRequest('the multipart/form-data content-type has no boundary');
  const delimiter = Buffer.from(`--${token}`);
  const disposition = new RegExp(`^content-disposition:[^\\r\\n]*;\\s*name="${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'im');
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const headersStart = at + delimiter.length + 2; // past the delimiter's CRLF
    const next = body.indexOf(delimiter, headersStart);
    if (next === -1) break;
    const headersEnd = body.indexOf('\r\n\r\n', headersStart);
    if (headersEnd !== -1 && headersEnd < next) {
      const headers = body.subarray(headersStart, headersEnd).toString('latin1');
      if (disposition.test(headers) && !/filename=/i.test(headers)) {
        // The value ends at the CRLF that precedes the next delimiter.
        return Buffer.concat([body.subarray(0, headersEnd + 4), Buffer.from(value, 'utf8'), body.subarray(next - 2)]);
      }
    }
    at = next;
  }
  throw malformedRequest(`the multipart form has no "${name}" field`);
}
