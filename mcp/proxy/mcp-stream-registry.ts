import type { Exchange, RouteRuntime } from './mcp-exchange.js';

/** An open GET notification stream, as a reload sees it (implemented in mcp-notification-stream.ts). */
export interface OpenStream {
  readonly exchange: Exchange;
  /**
   * Moves the stream to the route's new runtime: stops relaying the backends `next` removed or
   * changed at once, sends `notifications` (list_changed methods), then relays the backends the
   * session joins on `next` unless `isCurrent()` says a later reload replaced it meanwhile.
   */
  retarget(next: RouteRuntime, notifications: readonly string[], isCurrent: () => boolean): void;
  /** Ends the stream (its route is gone). */
  end(): void;
}

/** The open GET streams by route name, so that a reload reaches the clients of a route it changed. */
export class StreamRegistry {
  private readonly byRoute = new Map<string, Set<OpenStream>>();

  /** Registers a stream; the function returned unregisters it. */
  add(route: string, stream: OpenStream): () => void {
    let streams = this.byRoute.get(route);
    if (!streams) {
      streams = new Set();
      this.byRoute.set(route, streams);
    }
    streams.add(stream);
    return () => {
      const current = this.byRoute.get(route);
      current?.delete(stream);
      if (current?.size === 0) this.byRoute.delete(route);
    };
  }

  /** The streams open on a route (a copy: streams may end while the caller goes through them). */
  of(route: string): OpenStream[] {
    return [...(this.byRoute.get(route) ?? [])];
  }
}
