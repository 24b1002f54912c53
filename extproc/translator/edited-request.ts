import { JsonBodyEditor } from '../request/json-body-editor.js';
import type { ClientRequest, TranslatedRequest } from './translator.js';

/** An editor of the client's body that reuses the router's index of it (no second scan). */
export function editClientBody(client: ClientRequest): JsonBodyEditor {
  return new JsonBodyEditor(client.raw, client.index);
}

/**
 * A translated request whose body is the client's body with `edits` applied. The body is
 * written when first read, not here: BackendExchange first adds the backend's bodyMutation to the
 * same edits, so all of them cost one splice. Without any edit it is undefined (the client's
 * bytes go on as they are).
 */
export function editedRequest(request: Omit<TranslatedRequest, 'body' | 'edits'>, edits: JsonBodyEditor): TranslatedRequest {
  if (!edits.changed) return request;
  return {
    ...request,
    edits,
    get body(): Buffer {
      return edits.toBuffer();
    },
  };
}
