/** A JSON value of Envoy's bootstrap (protobuf JSON form). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The `@type` URL of an Envoy API message. */
export const typeUrl = (name: string): string => `type.googleapis.com/${name}`;
