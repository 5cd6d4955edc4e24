// Picks the C allocator a simulated platform's programs get.
import { InvalidArgumentError, describeValue } from "../errors";
import type { Allocator } from "./allocator";
import { EagerAllocator } from "./eager";
import { Glibc, type GlibcOptions } from "./glibc";
import type { VmHost } from "./host";
import { WindowsHeap } from "./windows-heap";

/**
 * The allocator for a platform preset: glibc for "linux-*" (and for "macos-arm64", simplified:
 * Apple's libmalloc uses tiny/small/large magazines and no brk heap, but shares the point that
 * large blocks get fresh, lazily backed mappings), the NT heap for "windows-x86_64", and the
 * eager no-MMU allocator for "eager". `glibc` options apply to the glibc model only.
 */
export function createAllocator(host: VmHost, platform: string, glibc: GlibcOptions = {}): Allocator {
  if (typeof platform === "string") {
    if (platform.startsWith("linux-") || platform === "macos-arm64") return new Glibc(host, glibc);
    if (platform === "windows-x86_64") return new WindowsHeap(host);
    if (platform === "eager") return new EagerAllocator(host);
  }
  throw new InvalidArgumentError(
    `createAllocator: platform must be "linux-*", "macos-arm64", "windows-x86_64" or "eager", got ${describeValue(platform)}`,
  );
}
