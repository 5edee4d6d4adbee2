/** Two projects: the kernel side runs in node against real tslab/ffmpeg; the lab side in jsdom. */
const tsJest = ['ts-jest', { tsconfig: 'test/tsconfig.json' }];
module.exports = {
  // The venv holds JupyterLab's own package.json files; they are not ours to map.
  modulePathIgnorePatterns: ['<rootDir>/.venv', '<rootDir>/.test-notebooks', '<rootDir>/labextension'],
  projects: [
    {
      displayName: 'kernel',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/kernel/**/*.test.ts', '<rootDir>/test/protocol/**/*.test.ts'],
      transform: { '^.+\\.tsx?$': tsJest }
    },
    {
      displayName: 'lab',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/test/lab/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/lab/setup.ts'],
      transform: { '^.+\\.[tj]sx?$': tsJest },
      // lit ships ES modules only; let ts-jest turn them into CommonJS for jsdom.
      transformIgnorePatterns: ['/node_modules/(?!(lit|lit-html|lit-element|@lit|@lit-labs)/)'],
      moduleNameMapper: { '\\.css$': '<rootDir>/test/lab/style-stub.js' }
    }
  ]
};
