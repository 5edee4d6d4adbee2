/**
 * Three projects: the kernel side runs in node against a real tslab kernel and real ffmpeg; the lab
 * side's components in jsdom; the end-to-end tests drive a real JupyterLab in Debian's Chromium.
 */
const tsJest = ['ts-jest', { tsconfig: 'test/tsconfig.json' }];
// Only our sources and tests: the venv holds JupyterLab's own package.json files, not ours to map.
const common = {
  roots: ['<rootDir>/src', '<rootDir>/test'],
  modulePathIgnorePatterns: ['<rootDir>/.venv', '<rootDir>/.test-notebooks', '<rootDir>/labextension']
};
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'kernel',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/kernel/**/*.test.ts', '<rootDir>/test/protocol/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest }
    },
    {
      ...common,
      displayName: 'lab',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/test/lab/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/lab/setup.ts'],
      transform: { '^.+\\.[tj]sx?$': tsJest },
      // lit ships ES modules only; let ts-jest turn them into CommonJS for jsdom.
      transformIgnorePatterns: ['/node_modules/(?!(lit|lit-html|lit-element|@lit|@lit-labs|uplot)/)'],
      moduleNameMapper: { '\\.css$': '<rootDir>/test/lab/style-stub.js' }
    },
    {
      ...common,
      displayName: 'e2e',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest }
    }
  ]
};
