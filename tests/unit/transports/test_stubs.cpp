// Interface stubs derived from one declaration: ping and a test directory.
#include "helpers.hpp"

#include <doctest.h>
#include <map>
#include "directory_iface.hpp"
#include <mosaic/transports/interfaces/ping.hpp>

using namespace test;
namespace ping = mosaic::ifaces::ping;
namespace ns = mosaic::ifaces::directory;

struct PingServer {
    u64 notes = 0;
    Result<ping::pong_reply> ping(const ping::ping_request& r) { return ping::pong_reply{r.seq, r.payload + 1}; }
    Status note(const ping::note_message& n) {
        notes += n.value;
        return {};
    }
};

TEST_CASE("derived sizes and known types follow the declaration") {
    CHECK(wire_size_of<ping::ping_request>() == 16);
    CHECK(wire_size_of<ping::note_message>() == 1 + 2 + 4 + 8);
    CHECK(wire_size_of<ns::register_request>() == 32 + 4 + 8);
    CHECK(wire_size_of<ns::lookup_reply>() == 2 + 4 + 8);
    CHECK(ping::kInterfaceId == 1);
    CHECK(ping::is_known_type(3));
    CHECK_FALSE(ping::is_known_type(4));
    CHECK(ns::is_known_type(4));
}

TEST_CASE("the note event encodes every field little-endian") {
    u8 buf[15];
    encode_fields(ping::note_message{0xA5, 0xBEEF, 0xDEADBEEF, -2}, buf);
    const u8 golden[15] = {0xA5, 0xEF, 0xBE, 0xEF, 0xBE, 0xAD, 0xDE, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    CHECK(memcmp(buf, golden, 15) == 0);
    ping::note_message back;
    decode_fields(buf, back);
    CHECK(back.delta == -2);
    CHECK(back.code == 0xBEEF);
}

// Drives one split-phase ping: client call, server serve, client completes.
TEST_CASE("ping client and server stubs over a URPC pair") {
    UrpcPair p(8);
    REQUIRE(p.ok);
    PingServer server;
    PendingCalls calls;
    struct Got {
        ping::pong_reply reply{};
        int count = 0;
    } got;
    auto on_pong = [](void* ctx, const Message& m) {
        auto* g = static_cast<Got*>(ctx);
        g->reply = decode_message<ping::pong_reply>(m).value();
        g->count++;
    };
    CHECK(ping::client::ping(p.a, calls, {.seq = 42, .payload = 1000}, on_pong, &got).ok());
    CHECK(ping::client::note(p.a, {.level = 1, .code = 2, .value = 5, .delta = -1}).ok());
    Message m;
    REQUIRE(p.b.poll(m).ok());
    CHECK(ping::serve(p.b, m, server).ok());
    REQUIRE(p.b.poll(m).ok());
    CHECK(ping::serve(p.b, m, server).ok());
    CHECK(server.notes == 5);
    REQUIRE(p.a.poll(m).ok());
    CHECK(m.reply);
    CHECK(calls.complete(m).ok());
    CHECK(got.count == 1);
    CHECK(got.reply.seq == 42);
    CHECK(got.reply.payload == 1001);
}

TEST_CASE("the server stub rejects messages that are not its requests") {
    Ring r(8);
    Channel c;
    REQUIRE(c.bind({.kind = TransportKind::Loopback, .tx_base = r.base(), .tx_slots = 8}).ok());
    PingServer server;
    Message m{};
    m.interface = ping::kInterfaceId;
    m.type = ping::ping_request::kType;
    m.length = 15; // One byte short.
    CHECK(ping::serve(c, m, server).error() == Error::Malformed);
    m.length = 16;
    m.interface = 2;
    CHECK(ping::serve(c, m, server).error() == Error::Malformed);
    m.interface = ping::kInterfaceId;
    m.type = 9;
    CHECK(ping::serve(c, m, server).error() == Error::Malformed);
    m.type = ping::pong_reply::kType; // A reply type is not a request.
    CHECK(ping::serve(c, m, server).error() == Error::Malformed);
    m.type = ping::ping_request::kType;
    m.reply = true;
    CHECK(ping::serve(c, m, server).error() == Error::Malformed);
    CHECK(c.poll(m).error() == Error::WouldBlock); // Nothing was answered.
    m.reply = false;
    CHECK(ping::serve(c, m, server).ok());
}

// A name server holding its registry in a map.
struct NameServer {
    std::map<std::string, std::pair<u32, u64>> names;
    static std::string key(const ns::ServiceName& n) {
        return std::string(reinterpret_cast<const char*>(n.bytes), 32);
    }
    Result<ns::register_reply> register_name(const ns::register_request& r) {
        bool fresh = names.emplace(key(r.name), std::pair{r.core, r.endpoint}).second;
        return ns::register_reply{u16(fresh ? Error::Ok : Error::AlreadyExists)};
    }
    Result<ns::lookup_reply> lookup(const ns::lookup_request& r) {
        auto it = names.find(key(r.name));
        if (it == names.end()) return ns::lookup_reply{u16(Error::NotFound), 0, 0};
        return ns::lookup_reply{u16(Error::Ok), it->second.first, it->second.second};
    }
};

static ns::ServiceName service_name(const char* s) {
    ns::ServiceName n{};
    memcpy(n.bytes, s, strlen(s));
    return n;
}

TEST_CASE("name service register and lookup through the stubs (fragmented requests)") {
    UrpcPair p(8);
    REQUIRE(p.ok);
    NameServer server;
    PendingCalls calls;
    std::vector<Message> replies;
    auto keep = [](void* ctx, const Message& m) { static_cast<std::vector<Message>*>(ctx)->push_back(m); };
    auto round = [&] {
        Message m;
        REQUIRE(p.b.poll(m).ok());
        CHECK(m.length == 44); // Two frames on the wire.
        REQUIRE(ns::serve(p.b, m, server).ok());
        REQUIRE(p.a.poll(m).ok());
        REQUIRE(calls.complete(m).ok());
    };
    CHECK(ns::client::register_name(p.a, calls, {service_name("memserv"), 3, 0x1234}, keep, &replies).ok());
    round();
    CHECK(ns::client::register_name(p.a, calls, {service_name("memserv"), 4, 0x9}, keep, &replies).ok());
    round();
    CHECK(decode_message<ns::register_reply>(replies[0]).value().status == u16(Error::Ok));
    CHECK(decode_message<ns::register_reply>(replies[1]).value().status == u16(Error::AlreadyExists));
    for (const char* name : {"memserv", "nothing"}) {
        CHECK(ns::client::lookup(p.a, calls, {service_name(name)}, keep, &replies).ok());
        Message m;
        REQUIRE(p.b.poll(m).ok());
        REQUIRE(ns::serve(p.b, m, server).ok());
        REQUIRE(p.a.poll(m).ok());
        REQUIRE(calls.complete(m).ok());
    }
    auto found = decode_message<ns::lookup_reply>(replies[2]).value();
    CHECK(found.status == u16(Error::Ok));
    CHECK(found.core == 3);
    CHECK(found.endpoint == 0x1234);
    CHECK(decode_message<ns::lookup_reply>(replies[3]).value().status == u16(Error::NotFound));
    CHECK(decode_message<ns::lookup_reply>(replies[0]).error() == Error::Malformed); // Wrong type.
}
