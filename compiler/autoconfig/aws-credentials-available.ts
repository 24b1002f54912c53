import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether the AWS default credential chain has something to work with on this machine: keys in
 * the environment, or a shared credentials/config file (profiles, SSO). Mirrors where the AWS
 * SDKs look, so the default config only includes Bedrock when signing can succeed.
 */
export function awsCredentialsAvailable(env: Readonly<Record<string, string | undefined>>, exists: (path: string) => boolean = existsSync): boolean {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return true;
  const home = env.HOME ?? env.USERPROFILE ?? '';
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE ?? (home ? join(home, '.aws', 'credentials') : undefined);
  const config = env.AWS_CONFIG_FILE ?? (home ? join(home, '.aws', 'config') : undefined);
  return (credentials !== undefined && exists(credentials)) || (config !== undefined && exists(config));
}
