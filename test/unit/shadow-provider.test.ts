import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { shadowProvider, type ShadowProvider } from '../../src/verify/shadow.js';

// `--shadow <how>`, `--shadow-url` and SHADOW_DATABASE_URL → the server verify runs on.
const URL_FLAG = 'postgres://u:p@flag:5432/x';
const URL_ENV = 'postgres://u:p@env:5432/x';

describe('shadowProvider', () => {
  it.each<[string, Parameters<typeof shadowProvider>[0], ShadowProvider]>([
    ['nothing: embedded', {}, { kind: 'embedded' }],
    ['--shadow-url', { shadowUrl: URL_FLAG }, { kind: 'url', url: URL_FLAG }],
    ['SHADOW_DATABASE_URL', { envUrl: URL_ENV }, { kind: 'url', url: URL_ENV }],
    ['--shadow-url wins over the environment', { shadowUrl: URL_FLAG, envUrl: URL_ENV }, { kind: 'url', url: URL_FLAG }],
    ['--shadow url with the environment', { shadow: 'url', envUrl: URL_ENV }, { kind: 'url', url: URL_ENV }],
    ['--shadow embedded ignores the environment', { shadow: 'embedded', envUrl: URL_ENV }, { kind: 'embedded' }],
    ['--shadow docker:postgres:16', { shadow: 'docker:postgres:16' }, { kind: 'docker', image: 'postgres:16' }],
    ['--shadow docker: ignores the environment', { shadow: 'docker:postgres:16-alpine', envUrl: URL_ENV }, { kind: 'docker', image: 'postgres:16-alpine' }],
    ['a registry, a path and a digest', { shadow: 'docker:ghcr.io/acme/pg@sha256:abc123' }, { kind: 'docker', image: 'ghcr.io/acme/pg@sha256:abc123' }],
  ])('%s', (_, options, expected) => {
    expect(shadowProvider(options)).toEqual(expected);
  });

  it.each<[string, Parameters<typeof shadowProvider>[0], string]>([
    ['docker with --shadow-url', { shadow: 'docker:postgres:16', shadowUrl: URL_FLAG }, '--shadow docker:… and --shadow-url cannot be combined'],
    ['embedded with --shadow-url', { shadow: 'embedded', shadowUrl: URL_FLAG }, '--shadow embedded and --shadow-url cannot be combined'],
    ['url without one', { shadow: 'url' }, '--shadow url needs --shadow-url <url> or SHADOW_DATABASE_URL'],
    ['no image', { shadow: 'docker:' }, 'needs an image'],
    ['an option for an image', { shadow: 'docker:-v/:/host' }, 'needs an image'],
    ['a space in the image', { shadow: 'docker:postgres 16' }, 'needs an image'],
    ['an unknown provider', { shadow: 'testcontainers' }, 'unknown --shadow "testcontainers" (expected url, embedded or docker:<image>)'],
  ])('usage error: %s', (_, options, message) => {
    expect(() => shadowProvider(options)).toThrow(UsageError);
    expect(() => shadowProvider(options)).toThrow(message);
  });

  it('never puts a URL in its messages', () => {
    expect(() => shadowProvider({ shadow: 'docker:postgres:16', shadowUrl: 'postgres://u:s3cret@h/x' })).not.toThrow(/s3cret/);
  });
});
