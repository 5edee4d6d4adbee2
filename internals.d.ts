export * from './lib/kernel/internals';
