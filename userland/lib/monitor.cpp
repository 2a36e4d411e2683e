// See monitor.hpp.
#include <mosaic/user/caps.hpp>
#include <mosaic/user/console.hpp>
#include <mosaic/user/monitor.hpp>

namespace mosaic::user::mon {

namespace {
namespace api = monitor::api;

// The monitor's reply `op` for `tag`. Everything else that comes meanwhile (other replies,
// text for a console service, other senders' messages) stays for later receives.
Result<Message> reply(api::Op op, u32 tag, u64 timeout_ticks = 0) {
    struct Want {
        api::Op op;
        u32 tag;
    } want{op, tag};
    return lmp_receive_if(
        [](const Message& m, const void* c) {
            const auto& w = *static_cast<const Want*>(c);
            return m.sender == sys::kMonitorId && api::op_of(m.word[0]) == w.op && api::tag_of(m.word[0]) == w.tag;
        },
        &want, timeout_ticks);
}

Error ask(api::Op op, u64 flags, u32 core, u32 tag, u64 w1 = 0, u64 w2 = 0, u64 w3 = 0, u64 cap = 0) {
    Error e;
    const u64 w[4] = {api::request(op, flags, core, tag), w1, w2, w3};
    // A capability goes along only while the monitor's receive slot is free: it empties it
    // once it has taken the one before.
    for (u32 tries = 0; (e = lmp_send(sys::kMonitorId, w, cap)) == Error::WouldBlock || (cap && e == Error::InvalidSlot && tries < 1000); ++tries) {
        yield();
    }
    return e;
}

Error status(const Message& m) { return Error(api::status_of(m.word[0])); }
} // namespace

Result<Started> spawn(u32 core, const char* name, u64 arg, u32 tag, u64 flags, const char* args) {
    u64 n1, n2;
    api::pack_name(name, n1, n2);
    if (args && *args) {
        if (str_len(args) > 23 || flags) return Error::InvalidArgument;
        u64 t[3] = {};
        for (usize i = 0; args[i]; ++i) t[i / 8] |= u64(u8(args[i])) << (8 * (i % 8));
        if (Error e = ask(api::kSpawnArgs, 0, core, tag, t[0], t[1], t[2]); e != Error::Ok) return e;
    }
    if (Error e = ask(api::kSpawn, flags, core, tag, n1, n2, arg); e != Error::Ok) return e;
    Message m = TRY(reply(api::kStarted, tag));
    if (status(m) != Error::Ok) return status(m);
    return Started{u32(m.word[1]), u32(m.word[2])};
}

Result<Ended> wait_end(u32 tag, u64 timeout_ticks) {
    Message m = TRY(reply(api::kEnded, tag, timeout_ticks));
    return Ended{api::how_of(m.word[0]) == 1, m.word[1], m.word[2], u32(m.word[3]), api::how_of(m.word[0]) == 2};
}

Result<MemberInfo> member(u32 index) {
    if (Error e = ask(api::kMember, 0, 0, index, index); e != Error::Ok) return e;
    Message m = TRY(reply(api::kMember, index));
    if (status(m) != Error::Ok) return status(m);
    const u64 w = m.word[1];
    return MemberInfo{u32(w & 0xffff), u32((w >> 16) & 0xffff), Isa((w >> 32) & 0xff), u8((w >> 40) & 0xff),
                      m.word[2], u32(m.word[3])};
}

Result<Info> info() {
    if (Error e = ask(api::kInfo, 0, 0, 0); e != Error::Ok) return e;
    Message m = TRY(reply(api::kInfo, 0));
    return Info{(m.word[1] & 1) != 0, (m.word[1] & 2) != 0, (m.word[1] & 4) != 0, m.word[2], m.word[3]};
}

Result<u32> irq(u64 kind, u64 slot) {
    if (Error e = lmp_receive_slot(slot); e != Error::Ok) return e;
    if (Error e = ask(api::kIrq, 0, 0, 0, kind); e != Error::Ok) return e;
    Message m = TRY(reply(api::kIrq, 0));
    (void)lmp_receive_slot(0);
    if (status(m) != Error::Ok) return status(m);
    if (!m.cap_arrived) return Error::NotFound;
    return irq_attach(slot);
}

Result<u64> find(const char* name) {
    u64 n1, n2;
    api::pack_name(name, n1, n2);
    if (Error e = ask(api::kFind, 0, 0, 0, n1, n2); e != Error::Ok) return e;
    Message m = TRY(reply(api::kFind, 0));
    if (status(m) != Error::Ok) return status(m);
    return m.word[1];
}

Result<u64> console() {
    if (Error e = ask(api::kConsole, 0, 0, 0); e != Error::Ok) return e;
    Message m = TRY(reply(api::kConsole, 0));
    if (status(m) != Error::Ok) return status(m);
    return m.word[1];
}

Result<usize> read_line(char* out, usize cap, u64 timeout_ticks) {
    const u64 service = TRY(console());
    const u64 ask_line[4] = {console::word0(console::kRead), 0, 0, 0};
    Error e;
    while ((e = lmp_send(service, ask_line)) == Error::WouldBlock) yield(); // its mailbox is full: it is writing
    if (e != Error::Ok) return e;
    usize n = 0;
    for (;;) {
        Message m = TRY(lmp_receive_from(service, timeout_ticks));
        if (console::op_of(m.word[0]) != console::kInput) continue;
        const u32 flags = console::len_of(m.word[0]);
        if (flags & console::kRefused) return Error::Busy;
        if (flags & console::kCut) return Error::OutOfRange; // longer than kLineMax: dropped whole
        const u32 k = flags & console::kLenMask;
        char piece[console::kWriteBytes];
        console::unpack(&m.word[1], min(k, console::kWriteBytes), piece);
        for (u32 i = 0; i < k && n < cap; ++i) out[n++] = piece[i];
        if (flags & console::kLast) return n;
    }
}

Result<Answer> query(u32 core, monitor::QueryOp op, u64 a, const void* bytes16, u64 timeout_ticks, u64 cap) {
    static u32 next_tag = 0x1000;
    const u32 tag = next_tag++;
    u64 w2 = 0, w3 = 0;
    const u8* b = static_cast<const u8*>(bytes16);
    for (u32 i = 0; b && i < 16; ++i) (i < 8 ? w2 : w3) |= u64(b[i]) << (8 * (i % 8));
    if (Error e = ask(api::kQuery, u64(op), core, tag, a, w2, w3, cap); e != Error::Ok) return e;
    Message m = TRY(reply(api::kAnswer, tag, timeout_ticks));
    if (status(m) != Error::Ok) return status(m);
    return Answer{m.word[1], m.word[2], m.word[3]};
}

namespace {
// This core's timer ticks (monitor::kTickHz), from the user-readable counter.
u64 core_ticks() {
    static u64 per_tick = 0;
    if (!per_tick) per_tick = max<u64>(1, core_info().counter_hz / monitor::kTickHz);
    return mosaic_user_counter() / per_tick;
}

// A name as the registry takes it: 1 to 15 bytes, NUL-padded to 16.
bool pack_name16(const char* name, u8 (&b)[16]) {
    const usize n = str_len(name);
    if (n == 0 || n > 15) return false;
    for (usize i = 0; i < n; ++i) b[i] = u8(name[i]);
    return true;
}

Result<Answer> name_op(monitor::QueryOp op, const char* name, u64 cap = 0) {
    u8 b[16] = {};
    if (!pack_name16(name, b)) return Error::InvalidArgument;
    return query(0, op, 0, b, 0, cap);
}
} // namespace

Error name_register(const char* name) {
    // The capability behind the name: an endpoint to this program, badged as its monitor's
    // messages are (what comes through it, the monitor brings).
    const u64 ep = spare_endpoint_slot();
    if (Error e = dispatcher_endpoint(caps::CPtr::at(sys::kSlotSelf).raw, ep, sys::kMonitorId); e != Error::Ok) return e;
    auto r = name_op(monitor::QueryOp::NameRegister, name, ep);
    (void)cap::slot_op(caps::Op::Delete, caps::CPtr{ep}); // the monitor holds its copy
    return r.ok() ? Error::Ok : r.error();
}

Error name_remove(const char* name) {
    auto r = name_op(monitor::QueryOp::NameRemove, name);
    return r.ok() ? Error::Ok : r.error();
}

Result<NameEntry> name_lookup(const char* name) {
    Answer a = TRY(name_op(monitor::QueryOp::NameLookup, name));
    return NameEntry{u32(a.a), u32(a.b)};
}

Result<NameEntry> name_wait(const char* name, u64 timeout_ticks) {
    // The registry answers once the name is there; its monitor gives up after
    // monitor::kQueryTimeout (Timeout), and the wait is asked again while time is left.
    u8 b[16] = {};
    if (!pack_name16(name, b)) return Error::InvalidArgument;
    const u64 start = core_ticks();
    for (;;) {
        const u64 spent = core_ticks() - start;
        if (spent >= timeout_ticks) return Error::Timeout;
        auto a = query(0, monitor::QueryOp::NameWait, 0, b, timeout_ticks - spent);
        if (a.ok()) return NameEntry{u32(a->a), u32(a->b)};
        if (a.error() != Error::Timeout) return a.error();
    }
}

Error deliver(u32 core, u32 dispatcher, const u8 (&bytes)[16]) {
    auto r = query(core, monitor::QueryOp::Deliver, dispatcher, bytes);
    return r.ok() ? Error::Ok : r.error();
}

Error stop(u32 dispatcher) { return ask(api::kStop, 0, 0, 0, dispatcher); }

void power_off_request(bool pass) { (void)ask(api::kPowerOff, 0, 0, 0, pass ? 1 : 0); }

[[noreturn]] void power_off(bool pass) {
    for (;;) {
        (void)ask(api::kPowerOff, 0, 0, 0, pass ? 1 : 0);
        yield();
    }
}

} // namespace mosaic::user::mon
