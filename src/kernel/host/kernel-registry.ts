/**
 * This kernel process's one registry, and its wiring: the first call makes it, serves the
 * extension's comm target with it (extension-requests.ts) and hooks every session end
 * (session-end-hooks.ts). It hangs on globalThis so that two copies of this package in one kernel
 * share it.
 */
import { serveExtension } from './extension-requests';
import { KernelRegistry } from './registry';
import { hookSessionEnds } from './session-end-hooks';

/** Where, on `globalThis` of the kernel process, the registry hangs (the same in every copy of this package). */
const KERNEL_REGISTRY_KEY = 'metrics-plotter.kernel-registry.v1';

/** This kernel process's registry. */
export function kernelRegistry(): KernelRegistry {
  const key = Symbol.for(KERNEL_REGISTRY_KEY);
  const holder = globalThis as unknown as Record<symbol, KernelRegistry | undefined>;
  let registry = holder[key];
  if (!registry) {
    registry = holder[key] = new KernelRegistry();
    serveExtension(registry);
    hookSessionEnds(registry);
  }
  return registry;
}
