import assert from 'node:assert/strict';
import { test } from 'node:test';
import { awsProfileCredentials } from './aws-credentials-file.js';

const KEY = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

test('the named profile, with or without the `profile` prefix, CRLF or LF, any key case; a session token when present', () => {
  const text = ['# a comment', '[default]', `aws_access_key_id = ${KEY}`, `aws_secret_access_key=${SECRET}`, '', '[profile dev]', `AWS_ACCESS_KEY_ID = dev-key`, `aws_secret_access_key = dev-secret`, 'aws_session_token = dev-token'].join('\r\n');
  assert.deepEqual(awsProfileCredentials(text, 'default'), { accessKeyId: KEY, secretAccessKey: SECRET });
  assert.deepEqual(awsProfileCredentials(text.replaceAll('\r\n', '\n'), 'dev'), { accessKeyId: 'dev-key', secretAccessKey: 'dev-secret', sessionToken: 'dev-token' });
});

test('comments: whole lines and after whitespace (`#` or `;`), not inside a value', () => {
  const text = ['; header', '[default] # the default profile', `aws_access_key_id = ${KEY} ; rotated monthly`, `aws_secret_access_key = abc#def;ghi  # note`, '  # indented comment'].join('\n');
  assert.deepEqual(awsProfileCredentials(text, 'default'), { accessKeyId: KEY, secretAccessKey: 'abc#def;ghi' });
});

test('values are taken as written, quotes included (as the AWS SDK reads them)', () => {
  const text = `[default]\naws_access_key_id = "${KEY}"\naws_secret_access_key = 'a=b'\n`;
  assert.deepEqual(awsProfileCredentials(text, 'default'), { accessKeyId: `"${KEY}"`, secretAccessKey: "'a=b'" });
});

test('keys of a nested block are not the profile’s own; the block ends at the next unindented line', () => {
  const text = ['[default]', 's3 =', '  aws_access_key_id = nested-key', '  max_concurrent_requests = 20', `aws_access_key_id = ${KEY}`, `aws_secret_access_key = ${SECRET}`].join('\n');
  assert.deepEqual(awsProfileCredentials(text, 'default'), { accessKeyId: KEY, secretAccessKey: SECRET });
  const onlyNested = ['[default]', 'sso =', `  aws_access_key_id = ${KEY}`, `  aws_secret_access_key = ${SECRET}`].join('\n');
  assert.equal(awsProfileCredentials(onlyNested, 'default'), 'the [default] profile of the AWS credentials file needs aws_access_key_id and aws_secret_access_key');
});

test('a missing profile names the ones there are; missing keys say which are needed; never key material', () => {
  const text = `[default]\naws_access_key_id = ${KEY}\n[__proto__]\n[other]\naws_secret_access_key = ${SECRET}\n`;
  assert.equal(awsProfileCredentials(text, 'prod'), 'the AWS credentials file has no [prod] profile (profiles: default, __proto__, other)');
  assert.equal(awsProfileCredentials('', 'default'), 'the AWS credentials file has no [default] profile (profiles: none)');
  const missing = awsProfileCredentials(text, 'default');
  assert.equal(missing, 'the [default] profile of the AWS credentials file needs aws_access_key_id and aws_secret_access_key');
  assert.ok(typeof missing === 'string' && !missing.includes(KEY));
  // Lines before any section, and lines without a key, are ignored.
  assert.deepEqual(awsProfileCredentials(`aws_access_key_id = stray\n[default]\n= nothing\n garbage\naws_access_key_id = ${KEY}\naws_secret_access_key = ${SECRET}\n`, 'default'), { accessKeyId: KEY, secretAccessKey: SECRET });
});
