/**
 * One request's span: started when the router has the request body, fed the client-visible
 * response (in the client API's shape) as it passes, ended at end of stream or on an error.
 * Which attributes an endpoint records comes from one typed table per convention
 * (open-inference-recorders.ts, gen-ai-recorders.ts), not from branches in the request path.
 */
import type { Span, SpanStatusCode } from '@opentelemetry/api';
import type { EndpointName } from '../../request/endpoints.js';
import type { SchemaName } from '../../../contract/filter-config.js';
import { SseReader, type SseChunk } from '../../../common/sse/sse-reader.js';
import { genAIRecorders } from './gen-ai-recorders.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { OPENINFERENCE_RECORDERS } from './open-inference-recorders.js';
import { isTraced, type TracedEndpointName } from './traced-endpoints.js';
import type { TokenUsage } from '../../usage/token-usage.js';
import { isRecord } from '../../../common/json-guards.js';
import type { RequestTracer, SemanticConvention } from './request-tracer.js';
import type { SpanAttributes, SpanOutcome } from './span-attributes.js';
import { nothingRecorded, type SpanRecorder, type SpanRequest } from './span-recorder.js';

export type { SpanRequest, UploadedFile } from './span-recorder.js';

// OpenTelemetry's SpanStatusCode values, as literals: this module is on every request's path and
// must not load the OpenTelemetry API when tracing is off (a type-only import costs nothing).
const STATUS_OK: SpanStatusCode.OK = 1;
const STATUS_ERROR: SpanStatusCode.ERROR = 2;

const RECORDERS: Record<SemanticConvention | 'gen_ai_content', Record<TracedEndpointName, SpanRecorder>> = {
  openinference: OPENINFERENCE_RECORDERS,
  gen_ai: genAIRecorders(false),
  gen_ai_content: genAIRecorders(true),
};

export class RequestSpan {
  private readonly chunks: Buffer[] = [];
  private sse: SseReader | undefined;
  /** The stream went over a line or event limit: the span records what it had until then. */
  private sseBroken = false;
  private readonly events: unknown[] = [];
  private unrecordedStream = false;
  private ended = false;

  private constructor(
    private readonly span: Span,
    /** Chat and legacy completions: the client's stream is OpenAI chunks, whose usage chunk is optional. */
    private readonly carriesOpenAIChunks: boolean,
    private readonly recorder: SpanRecorder,
    private readonly config: OpenInferenceConfig,
    /** Header name/value pairs carrying this span to the upstream request. */
    readonly inject: readonly [string, string][],
  ) {}

  /** Undefined for the model lists the gateway answers itself and the token counts upstream does not trace. */
  static start(
    tracer: RequestTracer,
    endpoint: EndpointName,
    headers: Partial<Record<string, string>>,
    request: SpanRequest,
    headerAttributes: SpanAttributes,
  ): RequestSpan | undefined {
    if (!isTraced(endpoint)) return undefined;
    const table = tracer.semconv === 'gen_ai' && tracer.captureContent ? 'gen_ai_content' : tracer.semconv;
    const recorder = RECORDERS[table][endpoint];
    const attributes = [...recorder.request(request, tracer.openInference), ...headerAttributes];
    const model = typeof request.json.model === 'string' ? request.json.model : '';
    const { span, inject } = tracer.start(recorder.name(model), recorder.kind, headers, attributes);
    return new RequestSpan(span, endpoint === 'chat-completions' || endpoint === 'completions', recorder, tracer.openInference, inject);
  }

  /** The backend the request goes to (called once it is chosen). */
  backend(schema: SchemaName): void {
    for (const [key, value] of this.recorder.backend?.(schema) ?? []) this.span.setAttribute(key, value);
  }

  /** One piece of the client-visible response body. */
  responseChunk(body: Buffer, streaming: boolean): void {
    if (streaming && !this.recorder.stream) {
      // A stream whose span reads nothing from it (speech audio, as upstream's no-op chunk
      // recorders): nothing of it is kept.
      this.unrecordedStream = true;
      return;
    }
    if (!streaming) {
      this.chunks.push(body);
      return;
    }
    const sse = (this.sse ??= new SseReader());
    this.collectFrom(() => payloads(sse.push(body)));
  }

  /**
   * @param usage what the gateway read of the response's usage: an OpenAI chunk stream sent to a
   *   client that did not ask for `include_usage` carries none (the gateway may have read it from
   *   the provider, or from a chunk it asked for and held back), yet the span records it.
   */
  endSuccess(usage?: TokenUsage): void {
    if (this.unrecordedStream) {
      this.finish(nothingRecorded());
      return;
    }
    if (this.sse) {
      const sse = this.sse;
      this.collectFrom(() => payloads(sse.end()));
      if (usage && hasCounts(usage) && this.carriesOpenAIChunks && !this.events.some((event) => isRecord(event) && isRecord(event.usage))) this.events.push(usageChunk(usage));
      this.finish(this.recorder.stream?.(this.events, this.config));
      return;
    }
    const bytes = Buffer.concat(this.chunks);
    const raw = bytes.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      // Not JSON (speech audio, a text transcript): the recorder decides what it can say.
      json = undefined;
    }
    this.finish(this.recorder.response({ json, raw, byteLength: bytes.length }, this.config));
  }

  /** An upstream error or a gateway local reply, with the body the client receives. */
  endError(status: number, body: string): void {
    this.finish(this.recorder.error(status, body));
  }

  /** Collects the events `read` completes, unless the stream already broke a limit (then `read` may throw again). */
  private collectFrom(read: () => string[]): void {
    if (this.sseBroken) return;
    let payloads: string[];
    try {
      payloads = read();
    } catch {
      // Over a line or event limit: the exchange ends the client's stream with an error event.
      this.sseBroken = true;
      return;
    }
    for (const payload of payloads) {
      if (payload === '[DONE]') continue;
      try {
        this.events.push(JSON.parse(payload));
      } catch {
        // Not JSON (a comment or keep-alive): nothing to record.
      }
    }
  }

  private finish(outcome: SpanOutcome | undefined): void {
    if (this.ended) return;
    this.ended = true;
    if (outcome) {
      for (const [key, value] of outcome.attributes) this.span.setAttribute(key, value);
      for (const event of outcome.events) this.span.addEvent(event.name, Object.fromEntries(event.attributes));
      if (outcome.status.code !== 'UNSET') {
        this.span.setStatus({
          code: outcome.status.code === 'OK' ? STATUS_OK : STATUS_ERROR,
          ...(outcome.status.message !== undefined ? { message: outcome.status.message } : {}),
        });
      }
    }
    this.span.end();
  }
}

/** Whether the gateway read any count (an empty usage adds nothing the span could show). */
function hasCounts(usage: TokenUsage): boolean {
  return Object.values(usage).some((count) => count !== undefined);
}

/** The usage chunk OpenAI sends last when asked (`include_usage`), from counts the gateway read. */
function usageChunk(usage: TokenUsage): Record<string, unknown> {
  return {
    choices: [],
    usage: {
      ...(usage.inputTokens !== undefined ? { prompt_tokens: usage.inputTokens } : {}),
      ...(usage.outputTokens !== undefined ? { completion_tokens: usage.outputTokens } : {}),
      ...(usage.totalTokens !== undefined ? { total_tokens: usage.totalTokens } : {}),
      ...(usage.cachedInputTokens !== undefined ? { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } } : {}),
      ...(usage.reasoningTokens !== undefined ? { completion_tokens_details: { reasoning_tokens: usage.reasoningTokens } } : {}),
    },
  };
}

/** The data of the events a chunk completed. */
function payloads(chunk: SseChunk): string[] {
  return chunk.events.map((event) => event.data);
}
