/**
 * Request headers a provider may read a credential from: OpenAI, Cohere, Entra, GCP and Bedrock
 * API keys (`authorization`), Anthropic (`x-api-key`), Azure OpenAI (`api-key`, and
 * `ocp-apim-subscription-key` behind API Management), Gemini (`x-goog-api-key`) and SigV4 session
 * tokens (`x-amz-security-token`). A backend whose BackendSecurityPolicy supplies the credential
 * gets none of the client's: the provider would otherwise see two credentials, may pick the
 * client's, and a client's key meant for one provider would reach another.
 */
export const CLIENT_CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'x-api-key', 'api-key', 'ocp-apim-subscription-key', 'x-goog-api-key', 'x-amz-security-token'];
