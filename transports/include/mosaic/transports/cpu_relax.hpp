// The only ISA-specific code of the transports: spin-wait hints, cache-line
// prefetch and a cheap cycle counter, chosen per ISA at compile time.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::transports {

// Tells the core that it is spinning on a memory location (saves power, and
// on x86 avoids the memory-order machine clear when the line finally changes).
inline void cpu_relax() {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#elif defined(__riscv)
    asm volatile(".insn i 0x0F, 0, x0, x0, 0x010" ::: "memory"); // Zihintpause "pause".
#else
    asm volatile("" ::: "memory");
#endif
}

// Starts pulling a cache line towards this core, for reading or for writing. For writing,
// x86 needs PREFETCHW (which takes the line exclusive): compiled for the baseline x86-64
// (no PRFCHW), __builtin_prefetch(p, 1) emits PREFETCHT0, a read prefetch that leaves the
// line shared, so the store that follows still waits for ownership.
inline void prefetch_read(const void* p) { __builtin_prefetch(p, 0, 3); }
inline void prefetch_write(void* p) {
#if defined(__x86_64__)
    asm volatile("prefetchw %0" ::"m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p, 1, 3);
#endif
}

// A monotonic counter readable in user and kernel mode (TSC, CNTVCT_EL0, time CSR);
// its unit is ISA- and board-specific, so callers calibrate it against a clock.
inline u64 read_cycle_counter() {
#if defined(__x86_64__)
    return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
    u64 v;
    asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
#elif defined(__riscv)
    u64 v;
    asm volatile("rdtime %0" : "=r"(v));
    return v;
#else
    return 0;
#endif
}

} // namespace mosaic::transports
