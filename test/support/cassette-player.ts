/**
 * Picks the recorded interaction that answers a request during cassette replay. Several
 * cassettes share a path (all chat ones are POST /v1/chat/completions), so the choice is, in
 * order: the cassette named by the `x-cassette-name` header (upstream's testopenai convention,
 * and it survives the gateway because request headers pass through), then an interaction
 * whose recorded body equals the request body (bytes or JSON value), then the first one not
 * yet played, then the first match.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Cassette, CassetteInteraction } from './cassette.js';

export const CASSETTE_NAME_HEADER = 'x-cassette-name';

export interface ReplayRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  body: Buffer;
  /** Value of the x-cassette-name header, if any. */
  cassetteName?: string;
}

export class CassettePlayer {
  private readonly entries: { cassette: Cassette; interaction: CassetteInteraction; plays: number }[] = [];

  constructor(cassettes: Cassette[]) {
    for (const cassette of cassettes) for (const interaction of cassette.interactions) this.entries.push({ cassette, interaction, plays: 0 });
  }

  get size(): number {
    return this.entries.length;
  }

  /** The interaction to replay, or undefined when none matches method + path (and name). */
  match(request: ReplayRequest): CassetteInteraction | undefined {
    const candidates = this.entries.filter(
      (entry) =>
        (request.cassetteName === undefined || entry.cassette.name === request.cassetteName) &&
        entry.interaction.request.method === request.method.toUpperCase() &&
        // Suffix match: a backend with a path prefix (/custom/v1/...) still replays /v1/... recordings.
        request.path.endsWith(entry.interaction.request.path),
    );
    if (candidates.length === 0) return undefined;
    const requestJson = parseJson(request.body.toString('utf8'));
    const chosen =
      candidates.find((entry) => bodiesEqual(entry.interaction.request.body, request.body, requestJson)) ??
      candidates.find((entry) => entry.plays === 0) ??
      candidates[0];
    if (!chosen) return undefined;
    chosen.plays++;
    return chosen.interaction;
  }
}

function bodiesEqual(recorded: string, body: Buffer, bodyJson: unknown): boolean {
  if (Buffer.from(recorded, 'utf8').equals(body)) return true;
  // Recordings are pretty-printed JSON; a client sends the same value compactly.
  return bodyJson !== undefined && isDeepStrictEqual(parseJson(recorded), bodyJson);
}

function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return undefined;
  }
}
