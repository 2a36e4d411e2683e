// Prints the argument text it was spawned with (spawn [--core N] echo WORDS...), with the
// core and ISA it runs on: how a shell's words reach a program on any core of any ISA.
#include <mosaic/user/sys.hpp>

using namespace mosaic;

int main(u64) {
    const auto me = user::core_info();
    user::print("echo on {} core {:x}: {}\n", isa_name(Isa(me.isa)), me.hw_id, user::args());
    return 0;
}
