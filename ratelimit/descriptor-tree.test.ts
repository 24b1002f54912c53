import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DescriptorTree } from './descriptor-tree.js';

const tree = new DescriptorTree({
  domain: 'd',
  descriptors: [
    { key: 'tenant', rateLimit: { requestsPerUnit: 10, unit: 'minute' }, source: 'any tenant', descriptors: [{ key: 'model', value: 'gpt', rateLimit: { requestsPerUnit: 5, unit: 'hour' } }, { key: 'nolimit' }] },
    { key: 'tenant', value: 'vip', rateLimit: { requestsPerUnit: 1000, unit: 'minute' }, source: 'vip' },
    { key: 'route', value: 'r1', descriptors: [{ key: 'user', rateLimit: { requestsPerUnit: 3, unit: 'second' }, shadowMode: true }] },
  ],
});

test('a value listed at a level wins over the key without a value', { timeout: 5000 }, () => {
  assert.equal(tree.match([{ key: 'tenant', value: 'vip' }])?.source, 'vip');
  assert.equal(tree.match([{ key: 'tenant', value: 'acme' }])?.source, 'any tenant');
});

test('the limit is the one where the entries end; a path through a node without a limit still counts', { timeout: 5000 }, () => {
  assert.deepEqual(tree.match([{ key: 'tenant', value: 'acme' }, { key: 'model', value: 'gpt' }])?.policy, { requestsPerUnit: 5, unit: 'hour' });
  assert.deepEqual(tree.match([{ key: 'route', value: 'r1' }, { key: 'user', value: 'u' }]), { policy: { requestsPerUnit: 3, unit: 'second' }, shadowMode: true, source: '' });
});

test('no limit: a path ending on a node without one, leaving the tree, or running past a leaf', { timeout: 5000 }, () => {
  assert.equal(tree.match([{ key: 'route', value: 'r1' }]), undefined);
  assert.equal(tree.match([{ key: 'tenant', value: 'acme' }, { key: 'nolimit', value: 'x' }]), undefined);
  assert.equal(tree.match([{ key: 'tenant', value: 'acme' }, { key: 'model', value: 'other' }]), undefined);
  assert.equal(tree.match([{ key: 'route', value: 'r2' }, { key: 'user', value: 'u' }]), undefined);
  assert.equal(tree.match([{ key: 'tenant', value: 'vip' }, { key: 'model', value: 'gpt' }]), undefined);
  assert.equal(tree.match([{ key: 'unknown', value: 'x' }]), undefined);
  assert.equal(tree.match([]), undefined);
});

test('a key and value cannot pose as each other', { timeout: 5000 }, () => {
  assert.equal(tree.match([{ key: 'tenant\u0000vip', value: 'x' }]), undefined);
});
