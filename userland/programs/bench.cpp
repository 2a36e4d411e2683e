// The cost of a system call round trip: arg null calls, timed with the ISA's counter.
#include <mosaic/user/sys.hpp>

using namespace mosaic;

int main(u64 arg) {
    auto me = user::core_info();
    if (arg == 0) return 1;
    u64 worst_error = 0;
    u64 t0 = mosaic_user_counter();
    for (u64 i = 0; i < arg; ++i) worst_error |= user::call(sys::Number::Null).error;
    u64 ticks = mosaic_user_counter() - t0;
    u64 ns = me.counter_hz ? ticks * 1000000000 / me.counter_hz / arg : 0;
    user::print("user: {} null system calls in {} counter ticks (~{} ns each)\n", arg, ticks, ns);
    // For ./mosaic bench syscalls: the counts it computes the figures from.
    user::print("BENCH null-syscall count {} ticks {} hz {}\n", arg, ticks, me.counter_hz);
    return worst_error ? 2 : 0;
}
