// The user runtime (see sys.hpp): program entry and the system-call wrappers.
#include <mosaic/caps/invocation.hpp>
#include <mosaic/user/caps.hpp>
#include <mosaic/monitor/api.hpp>
#include <mosaic/user/console.hpp>
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

const char* args() {
    const auto* a = reinterpret_cast<const monitor::api::ProgramArgs*>(start_data());
    if (a->magic != monitor::api::ProgramArgs::kMagic || a->len >= sizeof a->text || a->text[a->len]) return "";
    return a->text;
}

Error lmp_send_ep(u64 ep, const u64 (&w)[sys::kLmpWords], u64 cap) {
    return error_of(call(sys::Number::LmpSend, ep, w[0], w[1], w[2], w[3], cap));
}

Error lmp_send(u64 dest, const u64 (&w)[sys::kLmpWords], u64 cap) {
    auto ep = endpoint_of(dest);
    if (!ep.ok()) return ep.error() == Error::PermissionDenied ? Error::PermissionDenied : Error::NotFound;
    Error e = lmp_send_ep(*ep, w, cap);
    if (e == Error::NotFound) forget_endpoint(dest); // it ended: its slot is free for another
    return e;
}

namespace {

u64 g_recv_slot = 0; // what the program named (endpoint_of uses the slot meanwhile)

// One message from the CPU driver, past the stash.
Result<Message> receive_call(u64 timeout) {
    auto r = call(sys::Number::LmpReceive, timeout);
    if (r.error) return error_of(r);
    if (r.value[0] & sys::kLmpCapArrived) g_recv_slot = 0; // the CPU driver took the slot
    return Message{r.value[0] & ~sys::kLmpCapArrived, (r.value[0] & sys::kLmpCapArrived) != 0,
                   {r.value[1], r.value[2], r.value[3], r.value[4]}};
}

// Messages lmp_receive_from received for other senders, oldest first (a ring).
struct Stash {
    Message items[kLmpStash];
    u32 head = 0, count = 0;
    u64 dropped = 0;

    Message& at(u32 i) { return items[(head + i) % kLmpStash]; }
    void keep(const Message& m) {
        if (count == kLmpStash) { // the oldest goes, but never the CPU driver's (a program's end)
            Message gone;
            if (!take([](const Message& x) { return x.sender != sys::kKernelSender; }, gone)) {
                if (m.sender != sys::kKernelSender) {
                    ++dropped; // full of the CPU driver's messages: this one goes
                    return;
                }
                head = (head + 1) % kLmpStash, --count;
            }
            ++dropped;
        }
        at(count++) = m;
    }
    // Takes the oldest message that `wanted` accepts; false if none.
    template <typename F> bool take(F wanted, Message& out) {
        for (u32 i = 0; i < count; ++i) {
            if (!wanted(at(i))) continue;
            out = at(i);
            for (u32 k = i; k + 1 < count; ++k) at(k) = at(k + 1); // keep the order of the rest
            --count;
            return true;
        }
        return false;
    }
};
Stash g_stash;

// Whether m comes from `sender`; sys::kIrqSender stands for every interrupt message.
bool from(const Message& m, u64 sender) {
    if (sender == sys::kIrqSender) return (m.sender & sys::kIrqSender) != 0;
    return m.sender == sender;
}

} // namespace

Result<Message> lmp_receive(u64 timeout) {
    Message m;
    if (g_stash.take([](const Message&) { return true; }, m)) return m;
    return receive_call(timeout);
}

Result<Message> lmp_receive_if(bool (*wanted)(const Message& m, const void* ctx), const void* ctx, u64 timeout) {
    Message m;
    if (g_stash.take([&](const Message& k) { return wanted(k, ctx); }, m)) return m;
    for (;;) {
        m = TRY(receive_call(timeout));
        if (wanted(m, ctx)) return m;
        g_stash.keep(m);
    }
}

void pause(u64 ticks) {
    (void)lmp_receive_if([](const Message&, const void*) { return false; }, nullptr, ticks);
}

Result<Message> lmp_receive_from(u64 sender, u64 timeout) {
    return lmp_receive_if([](const Message& m, const void* s) { return from(m, *static_cast<const u64*>(s)); }, &sender,
                          timeout);
}

u64 lmp_stash_dropped() { return g_stash.dropped; }

namespace {

// The endpoints the runtime was given, by dispatcher, in slots sys::kSlotEndpoints + i.
struct Held {
    u64 dest = 0, used = 0; // dest 0: free
};
Held g_held[sys::kEndpointSlots];
u64 g_held_clock = 0;
Result<u64> (*g_resolver)(u64) = nullptr;

u64 held_slot(u32 i) { return caps::CPtr::at(sys::kSlotEndpoints + i).raw; }

Error delete_slot(u64 cptr) { return cap::slot_op(caps::Op::Delete, caps::CPtr{cptr}); }

// Asks this core's monitor for an endpoint to `dest`, into slot i.
Result<u64> ask_endpoint(u64 dest, u32 i) {
    namespace api = monitor::api;
    (void)delete_slot(held_slot(i));
    g_held[i] = {};
    const u32 tag = u32(++g_held_clock);
    const u64 keep = g_recv_slot;
    (void)call(sys::Number::LmpReceiveSlot, held_slot(i));
    const u64 w[4] = {api::request(api::kEndpoint, 0, 0, tag), dest, 0, 0};
    Error e;
    while ((e = lmp_send_ep(caps::CPtr::at(sys::kSlotMonitorEp).raw, w)) == Error::WouldBlock) yield();
    if (e != Error::Ok) {
        (void)lmp_receive_slot(keep);
        return e;
    }
    auto m = lmp_receive_if(
        [](const Message& x, const void* c) {
            const u32 t = *static_cast<const u32*>(c);
            return x.sender == sys::kMonitorId && api::op_of(x.word[0]) == api::kEndpoint && api::tag_of(x.word[0]) == t;
        },
        &tag);
    (void)lmp_receive_slot(keep);
    if (!m.ok()) return m.error();
    if (api::status_of(m->word[0])) return Error(api::status_of(m->word[0]));
    if (!m->cap_arrived) return Error::NotFound;
    g_held[i] = {dest, g_held_clock};
    return held_slot(i);
}
} // namespace

Error lmp_receive_slot(u64 cptr) {
    g_recv_slot = cptr;
    return error_of(call(sys::Number::LmpReceiveSlot, cptr));
}

void set_endpoint_resolver(Result<u64> (*resolve)(u64 dest)) { g_resolver = resolve; }

Result<u64> endpoint_of(u64 dest) {
    if (g_resolver) return g_resolver(dest);
    if (dest == sys::kMonitorId) return caps::CPtr::at(sys::kSlotMonitorEp).raw;
    if (!dest || dest > sys::kMaxBadge) return Error::NotFound;
    u32 pick = 0;
    for (u32 i = 0; i < sys::kEndpointSlots; ++i) {
        if (g_held[i].dest == dest) {
            g_held[i].used = ++g_held_clock;
            return held_slot(i);
        }
        if (g_held[i].used < g_held[pick].used) pick = i;
    }
    return ask_endpoint(dest, pick);
}

u64 spare_endpoint_slot() {
    u32 pick = 0;
    for (u32 i = 1; i < sys::kEndpointSlots; ++i)
        if (g_held[i].used < g_held[pick].used) pick = i;
    (void)delete_slot(held_slot(pick));
    g_held[pick] = {};
    return held_slot(pick);
}

void forget_endpoint(u64 dest) {
    for (u32 i = 0; i < sys::kEndpointSlots; ++i)
        if (g_held[i].dest == dest) (void)delete_slot(held_slot(i)), g_held[i] = {};
}

void write_early(const char* s, usize n) {
    while (n) {
        usize k = min<usize>(n, sys::kMaxPrint);
        call(sys::Number::Print, u64(uptr(s)), k, caps::CPtr::at(sys::kSlotConsole).raw);
        s += k;
        n -= k;
    }
}

namespace {
// The default writer: the text to this core's monitor in pieces (monitor::api::kPrint:
// word 0 op | length << 8, words 1-3 the bytes), each sent again while its mailbox is full.
void to_monitor(const char* s, usize n) {
    for (usize at = 0; at < n; at += console::kWriteBytes) {
        const u32 k = u32(min<usize>(n - at, console::kWriteBytes));
        u64 w[4];
        console::pack(s + at, k, w);
        w[0] = monitor::api::request(monitor::api::kPrint, k, 0, 0);
        Error e;
        while ((e = lmp_send(sys::kMonitorId, w)) == Error::WouldBlock) yield();
        if (e != Error::Ok) return write_early(s + at, n - at); // no monitor to hear it
    }
}
void (*g_writer)(const char*, usize) = to_monitor;
} // namespace

void set_writer(void (*writer)(const char* s, usize n)) { g_writer = writer ? writer : to_monitor; }

void write(const char* s, usize n) { g_writer(s, n); }

} // namespace mosaic::user
