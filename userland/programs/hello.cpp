// The first program on every core: says hello from user mode and, given arg = the core's
// hardware id + 1, checks that what core_info reports matches it (arg 0: no check).
#include <mosaic/user/sys.hpp>

using namespace mosaic;

int main(u64 arg) {
    auto me = user::core_info();
    user::print("user: hello from user mode on {} core {:x} (dispatcher {})\n", isa_name(Isa(me.isa)), me.hw_id,
                me.dispatcher);
    return arg == 0 || me.hw_id + 1 == arg ? 0 : 1;
}
