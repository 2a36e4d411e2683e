// A dispatcher that never yields: it counts for arg milliseconds of the ISA's counter.
// Two of them on one core finish only if the timer time-slices the core between them.
#include <mosaic/user/sys.hpp>

using namespace mosaic;

int main(u64 arg) {
    auto me = user::core_info();
    if (!me.counter_hz) return 2;
    const u64 until = mosaic_user_counter() + me.counter_hz / 1000 * arg;
    u64 rounds = 0;
    while (mosaic_user_counter() < until) ++rounds;
    user::print("user: spinner {} counted {} rounds in {} ms without yielding\n", me.dispatcher, rounds, arg);
    return rounds ? 0 : 1;
}
