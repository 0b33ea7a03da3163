/**
 * Process-wide glibc malloc settings for the kit's CPU work, applied once, at run time, through
 * `mallopt` (Deno FFI).
 *
 * A train step allocates and frees gigabytes of activations and gradients per step
 * (onnxruntime's arena is off there: it reserves every shape's peak). glibc serves each block
 * above its mmap threshold (128 kB to 32 MB, adjusted as it goes) with a fresh `mmap` and returns
 * it to the system on free, so the next step touches new pages: the kernel zeroes every one of
 * them (`clear_page_erms` was 11% of a config M train run, page faults 18-20% of it; the
 * logits-sized [tokens, vocab] tensors are far above 32 MB). With `M_MMAP_MAX = 0` every block
 * comes from the heap, and with a 2 GB `M_TRIM_THRESHOLD` freed heap memory stays mapped for
 * the next step to reuse.
 *
 * Measured on this 2-core VM, alternated with the defaults: the config M train step (`bench
 * model`) 693-707 tokens/s instead of 551-585 and config S 4648-4718 instead of 3990-4095; peak
 * RSS of M 2.22-2.29 GB in `bench model` against 2.10-2.16 GB, and 2.72 against 2.11 GB over
 * 20 steps (the kept heap holds its fragmentation).
 *
 * In a PPO step the heap settles after a few steps to hold the critic's, the actor's and the
 * sampler's working sets at once (the sampler's session is freed before its rebuild,
 * `RolloutEngine.rebuildModel`), and then no phase faults pages in (`bench rl` M, page
 * faults per update: ~300k in the first steps, 0-150 from the fourth). Giving the free heap
 * back between the critic's and the actor's updates (`malloc_trim`) kept the peak RSS at
 * 4.41 GB instead of 4.93 GB over 9 steps, but the actor then faulted ~305k pages (1.2 GB)
 * back in on every step: 1.82-2.27 s per actor update instead of 1.64-1.88 s, 7.2 s per step
 * instead of 6.0 s (medians of 8, same sitting).
 *
 * The train runner applies it ({@link keepFreedMemory} in `TrainRunner.create`); processes that
 * only sample or evaluate keep glibc's defaults. `GRLO_MALLOC=system` leaves glibc's defaults
 * alone; nothing happens off glibc Linux or without the FFI permission.
 *
 * @module
 */

/** `mallopt` parameters (glibc `malloc.h`). */
const M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4;
/** Freed memory is returned to the system only above this much at the heap's top. */
export const TRIM_THRESHOLD_BYTES = 2 ** 31 - 1;

let applied: boolean | undefined;
const LIBC = { mallopt: { parameters: ["i32", "i32"], result: "i32" } } as const;
let libc: Deno.DynamicLibrary<typeof LIBC>["symbols"] | undefined;

/**
 * Makes glibc malloc keep freed memory for reuse instead of unmapping it (see the module doc).
 * Idempotent; returns whether the settings are in effect.
 *
 * @returns true when both `mallopt` calls succeeded (now or on an earlier call)
 */
export function keepFreedMemory(): boolean {
  if (applied !== undefined) return applied;
  applied = false;
  if (Deno.build.os !== "linux") return applied;
  if (Deno.permissions.querySync({ name: "env", variable: "GRLO_MALLOC" }).state === "granted") {
    const mode = Deno.env.get("GRLO_MALLOC") ?? "keep";
    if (mode === "system") return applied;
    if (mode !== "keep") {
      throw new Error(`GRLO_MALLOC="${mode}": expected "keep" (the default) or "system"`);
    }
  }
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return applied;
  try {
    libc = Deno.dlopen("libc.so.6", LIBC).symbols;
  } catch {
    return applied; // not glibc (musl names its library differently and has no such knobs)
  }
  // mallopt returns 1 on success, 0 on an unknown parameter or value.
  applied = libc.mallopt(M_MMAP_MAX, 0) === 1 &&
    libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) === 1;
  return applied;
}

/**
 * Puts glibc's own settings back for the rest of the process (mmap for large blocks, a
 * 128 kB trim threshold), for work that makes many small long-lived allocations between
 * large short-lived ones (onnxruntime's profiler records every node), which would fragment a
 * kept heap; later {@link keepFreedMemory} calls leave them. Returns whether the kept
 * settings were in effect.
 */
export function restoreSystemMalloc(): boolean {
  if (!applied) return false;
  libc!.mallopt(M_MMAP_MAX, 65536);
  libc!.mallopt(M_TRIM_THRESHOLD, 128 * 1024);
  applied = false;
  return true;
}
