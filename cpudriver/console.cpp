// The console lock (see console.hpp).
#include "console.hpp"

namespace mosaic::cpudriver {

namespace {
// Shared by the cores of this node: 0 when free, else 1 + the holder's hardware id.
u64 g_lock = 0;
bool g_shared = false; // set by the boot core before other cores start, never cleared
} // namespace

void console_share() {
    g_shared = true;
    arch::full_barrier();
}

ConsoleLock::ConsoleLock() {
    if (!g_shared) return;
    CoreState* me = arch::core_state();
    u64 mine = 1 + (me ? me->hw_id : 0);
    if (__atomic_load_n(&g_lock, __ATOMIC_ACQUIRE) == mine) return; // this core holds it already
    u64 expected = 0;
    while (!__atomic_compare_exchange_n(&g_lock, &expected, mine, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) expected = 0;
    taken_ = true;
}

ConsoleLock::~ConsoleLock() {
    if (taken_) __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
}

} // namespace mosaic::cpudriver
