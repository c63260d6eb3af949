import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Direction of imports inside src/ (docs/architecture.md, "Direction of imports"): each folder lists
 * the folders it must never import. Relative specifiers only, so the patterns are written as the code
 * writes them. A file may import its own folder freely.
 */
const UPPER = [
  '../injector*',
  '../cli/*',
  '../fleet/*',
  '../guides/*',
  '../index.js',
  '../emulator-entry.js',
];
const CLIENT_ONLY_OF_EMULATOR = ['../emulator/*'];

/** `no-restricted-imports` forbidding `groups` (gitignore-style patterns), with the reason. */
function forbid(groups, message) {
  return ['error', { patterns: [{ group: groups, message }] }];
}

const NO_ENV = [
  'error',
  {
    object: 'process',
    property: 'env',
    message: 'only the composer (injector-config.ts, the CLI) reads the environment',
  },
];

const directions = [
  {
    files: ['src/timers/**', 'src/environment/**'],
    rules: {
      'no-restricted-imports': forbid(
        ['../*', '../*/**', '!../errors.js'],
        'a neutral leaf: it imports nothing of the library but errors.ts',
      ),
      'no-restricted-properties': NO_ENV,
    },
  },
  {
    files: ['src/seeded-random.ts'],
    rules: {
      'no-restricted-imports': forbid(
        ['./*', '../*'],
        'a leaf shared by the client and the emulator: it imports nothing',
      ),
    },
  },
  {
    files: ['src/sdk/**'],
    rules: {
      'no-restricted-imports': forbid(
        [
          '../auth/*',
          '../http/*',
          '../stream/*',
          '../observe/*',
          '../prompt/*',
          ...UPPER,
          ...CLIENT_ONLY_OF_EMULATOR,
        ],
        'sdk/ binds the official SDK for auth/ and http/ alike; it imports neither',
      ),
      'no-restricted-properties': NO_ENV,
    },
  },
  {
    files: ['src/auth/**'],
    rules: {
      'no-restricted-imports': forbid(
        ['../http/*', '../stream/*', '../observe/*', ...UPPER, ...CLIENT_ONLY_OF_EMULATOR],
        'auth/ logs in through sdk/; it never imports http/ (which reaches auth through a port)',
      ),
      'no-restricted-properties': NO_ENV,
    },
  },
  {
    files: ['src/http/**'],
    rules: {
      'no-restricted-imports': forbid(
        ['../auth/*', '../stream/*', '../observe/*', ...UPPER, ...CLIENT_ONLY_OF_EMULATOR],
        'http/ takes its tokens through the RequestCredentials port; it never imports auth/',
      ),
      'no-restricted-properties': NO_ENV,
    },
  },
  {
    files: ['src/stream/**'],
    rules: {
      'no-restricted-imports': forbid(
        [
          '../auth/*',
          '../sdk/*',
          '../http/*',
          '!../http/rest-request.js',
          '../observe/*',
          '../connect-to-ai-stream.js',
          ...UPPER,
          ...CLIENT_ONLY_OF_EMULATOR,
        ],
        'stream/ reaches REST and tokens through its ports (StreamBackend, ConversationApi, RestCaller), filled in by the injector',
      ),
      'no-restricted-properties': NO_ENV,
    },
  },
  {
    files: ['src/observe/**'],
    rules: {
      'no-restricted-imports': forbid(
        [...UPPER, ...CLIENT_ONLY_OF_EMULATOR],
        'observe/ records what it is given; it does not import the injector, its option types or the CLI',
      ),
    },
  },
  {
    files: ['src/prompt/**'],
    rules: {
      'no-restricted-imports': forbid(
        [
          '../auth/*',
          '../sdk/*',
          '../http/*',
          '../stream/*',
          '../observe/*',
          ...UPPER,
          ...CLIENT_ONLY_OF_EMULATOR,
        ],
        'prompt/ is the pure core: no I/O folder, no composer',
      ),
      'no-restricted-properties': NO_ENV,
    },
  },
  {
    files: ['src/emulator/**'],
    rules: {
      'no-restricted-imports': forbid(
        ['../*', '!../contract', '!../contract/*', '!../seeded-random.js'],
        'the emulator shares only the wire contract and seeded randomness with the client',
      ),
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'reports/**', '.stryker-tmp/**', 'docs/api/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/cli/**', 'bench/**', 'examples/**', 'test/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
  ...directions,
);
