// The first program on every core: says hello from user mode and checks that what the
// CPU driver passed in (arg: the core's hardware id) matches what core_info reports.
#include <mosaic/user/sys.hpp>

using namespace mosaic;

int main(u64 arg) {
    auto me = user::core_info();
    user::print("user: hello from user mode on {} core {:x} (dispatcher {})\n", isa_name(Isa(me.isa)), me.hw_id,
                me.dispatcher);
    return me.hw_id == arg ? 0 : 1;
}
