// The user runtime (see sys.hpp): program entry and the system-call wrappers.
#include <mosaic/user/sys.hpp>

int main(mosaic::u64 arg);

extern "C" const char __user_window[]; // user.ld

// The CPU driver enters here with the stack set and arg in the first argument register.
extern "C" [[noreturn]] __attribute__((section(".text.start"))) void _start(mosaic::u64 arg) {
    mosaic::user::exit(mosaic::u64(main(arg)));
}

namespace mosaic::user {

[[noreturn]] void exit(u64 code) {
    call(sys::Number::Exit, code);
    for (;;) call(sys::Number::Exit, code); // exit does not return; never spin in user mode if it did
}

CoreInfo core_info() {
    auto r = call(sys::Number::CoreInfo);
    return {r.value[0], r.value[1], r.value[2], r.value[3], r.value[4]};
}

const u8* start_data() { return reinterpret_cast<const u8*>(uptr(__user_window) + sys::kStartDataOffset); }

Error lmp_send(u64 dest, const u64 (&w)[sys::kLmpWords], u64 cap) {
    return error_of(call(sys::Number::LmpSend, dest, w[0], w[1], w[2], w[3], cap));
}

Result<Message> lmp_receive() {
    auto r = call(sys::Number::LmpReceive);
    if (r.error) return error_of(r);
    return Message{r.value[0] & ~sys::kLmpCapArrived, (r.value[0] & sys::kLmpCapArrived) != 0,
                   {r.value[1], r.value[2], r.value[3], r.value[4]}};
}

void write(const char* s, usize n) {
    while (n) {
        usize k = min<usize>(n, sys::kMaxPrint);
        call(sys::Number::Print, u64(uptr(s)), k);
        s += k;
        n -= k;
    }
}

} // namespace mosaic::user
