import { JsonBodyEditor } from './json-body-editor.js';

/**
 * One-off edits of a top-level field of a JSON object text, for callers holding a string. Each
 * call scans the text; code editing a request body uses JsonBodyEditor, which applies any
 * number of edits in one splice (with the router's index, without scanning at all). The input
 * must already have passed JSON.parse.
 */

/** Returns `text` with top-level `key` set to `jsonValue` (raw JSON text), added at the start if absent. */
export function setTopLevelField(text: string, key: string, jsonValue: string): string {
  return new JsonBodyEditor(Buffer.from(text, 'utf8')).set(key, jsonValue).toBuffer().toString('utf8');
}

/** Returns `text` without top-level `key` (unchanged when absent). */
export function removeTopLevelField(text: string, key: string): string {
  return new JsonBodyEditor(Buffer.from(text, 'utf8')).remove(key).toBuffer().toString('utf8');
}
