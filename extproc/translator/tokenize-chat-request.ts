import { malformedRequest } from '../errors/gateway-error.js';
import type { JsonRecord } from '../../common/json-guards.js';
import { readChatRequest, type ChatRequest } from './openai-chat-request.js';

/**
 * A `/tokenize` request (vLLM's tokenizer API) as the chat request a provider's token counter
 * takes. vLLM has two forms: completion `{model, prompt}` and chat `{model, messages, tools}`,
 * told apart by `messages`. Providers count chats only, so a prompt is one user message, as
 * upstream aigw sends it. What shapes vLLM's chat template (`add_generation_prompt`,
 * `chat_template`, `add_special_tokens`, …) has no provider equivalent and is not sent; the
 * contradictory pair vLLM refuses is refused here too.
 * @see https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html#tokenizer-api
 * @throws GatewayError 400 for a request vLLM would refuse.
 */
export function tokenizeChatRequest(json: JsonRecord): ChatRequest {
  const hasMessages = json.messages !== undefined;
  const hasPrompt = json.prompt !== undefined;
  if (hasMessages && hasPrompt) throw malformedRequest('a tokenize request has either "prompt" or "messages", not both');
  if (!hasMessages && !hasPrompt) throw malformedRequest('a tokenize request needs "prompt" (text) or "messages" (a chat)');
  if (hasPrompt) {
    if (typeof json.prompt !== 'string') throw malformedRequest('"prompt" must be a string');
    return readChatRequest({ model: json.model, messages: [{ role: 'user', content: json.prompt }] });
  }
  // vLLM's default for add_generation_prompt is true.
  if (json.continue_final_message === true && json.add_generation_prompt !== false) {
    throw malformedRequest('"continue_final_message" and "add_generation_prompt" cannot both be true');
  }
  return readChatRequest({ model: json.model, messages: json.messages, ...(json.tools !== undefined ? { tools: json.tools } : {}) });
}
