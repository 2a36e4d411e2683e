// The intermon interface: everything the monitors of a board say to each other. Within a
// node, every core's monitor has one URPC channel to its node's boot monitor (in a frame the
// boot monitor gave the new core when it started it); between nodes, the boot monitors have
// one URPC channel per pair in the interconnect region. Core numbers are the board's
// (skb/FACTS.md); node numbers are the manifest's. The ping interface runs on the same
// channels for round-trip measurements. Each message fits one frame.
//
// The membership protocol (monitor/membership.cpp):
//  1. A core's monitor, once up, sends core_up to its boot monitor.
//  2. Each boot monitor greets every other node (node_hello), sends one member record per
//     core of its own node, measures the round trip (pings), sends its latency facts, and
//     says done. A silent node is given up after the greeting deadline.
//  3. Each boot monitor then has every node's members; it sends its view (count and digest
//     of the sorted member list) to every node it heard, and the membership is agreed when
//     every view it hears equals its own.
//  4. The boot monitor sends the agreed members and the view to each core monitor of its
//     node, which checks the digest and answers view_ack.
// After that, spawn requests and queries (monitor/query.cpp: process lists, stopping a
// dispatcher, free memory, echo, names, shutdown, messages between programs of different
// cores) travel monitor to monitor to the core they name, and their answers back.
#pragma once

#include <mosaic/transports/interface.hpp>

namespace mosaic::ifaces::intermon {
using NodeName = transports::FixedString<16>;    // the board profile's node name, zero-padded
using ProgramName = transports::FixedString<16>; // a module name of the image, zero-padded
using ConsoleText = transports::FixedString<24>; // a piece of console output (len bytes of it)
using ArgText = transports::FixedString<24>;     // a program's argument text, NUL-terminated
} // namespace mosaic::ifaces::intermon

// clang-format off
#define MOSAIC_INTERMON_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                                \
    IFACE(intermon, 0x0006)                                                                    \
    /* core monitor -> boot monitor: this core's monitor runs (status 0) or what failed */     \
    MESSAGE(core_up_message, 1, F(u32, core) F(u32, node) F(u32, isa) F(u64, hw_id)            \
                                F(u16, status) F(u64, doorbell))                               \
    /* boot monitor <-> boot monitor: who boots that node */                                   \
    MESSAGE(node_hello_message, 2, F(u32, node) F(u32, isa) F(u32, cores) F(u32, boot_core)    \
                                   F(u64, boot_hw_id) F(NodeName, name))                       \
    /* one core of the board as the sender knows it (state: monitor::MemberState) */           \
    MESSAGE(member_message, 3, F(u32, core) F(u32, node) F(u32, isa) F(u64, hw_id)             \
                               F(u8, state))                                                   \
    /* a measured round trip, an SKB latency fact */                                           \
    MESSAGE(latency_message, 4, F(u32, from_core) F(u32, to_core) F(u64, ns))                  \
    /* the sender's pings are done; it sent `members` member and `facts` latency messages */   \
    MESSAGE(done_message, 5, F(u32, node) F(u32, members) F(u32, facts))                       \
    /* the sender's membership: how many members, and the digest of the sorted list */         \
    MESSAGE(view_message, 6, F(u32, node) F(u32, members) F(u64, digest))                      \
    /* core monitor -> boot monitor: it holds the view with this digest */                     \
    MESSAGE(view_ack_message, 7, F(u32, core) F(u64, digest))                                  \
    /* start `name` on core `core` with `arg` and argument text `args`; `tag` names the */    \
    /* request to its origin */                                                                \
    MESSAGE(spawn_message, 8, F(u32, core) F(ProgramName, name) F(u64, arg) F(u32, origin)     \
                              F(u64, tag) F(ArgText, args))                                    \
    /* what became of a spawn: started (status 0, dispatcher), refused (status), or ended */   \
    /* (ended 1, how: monitor::EndHow, code: exit code or trap kind, address of a fault) */    \
    MESSAGE(spawn_result_message, 9, F(u32, origin) F(u64, tag) F(u32, core) F(u16, status)    \
                                     F(u32, dispatcher) F(u8, ended) F(u8, how) F(u64, code)   \
                                     F(u64, address) F(u32, preemptions))                      \
    /* core monitor -> boot monitor: console output of a program (source: its dispatcher) */  \
    /* on core `core`, for the node's console service */                                      \
    MESSAGE(console_message, 10, F(u32, core) F(u32, source) F(u32, len) F(ConsoleText, text))  \
    /* ask the monitor of core `core` (op: monitor::QueryOp) for program `sender` of core */  \
    /* `origin`, whose monitor names the request `tag`; arguments a and name as op says */   \
    MESSAGE(query_message, 11, F(u32, core) F(u32, origin) F(u32, sender) F(u64, tag)          \
                               F(u32, op) F(u64, a) F(ProgramName, name))                      \
    /* the answer to a query (status: a mosaic::Error; a, b, c as the op says) */              \
    MESSAGE(answer_message, 12, F(u32, origin) F(u64, tag) F(u32, core) F(u16, status)         \
                                F(u64, a) F(u64, b) F(u64, c))                                 \
    EVENT(core_up, core_up_message)                                                            \
    EVENT(node_hello, node_hello_message)                                                      \
    EVENT(member, member_message)                                                              \
    EVENT(latency, latency_message)                                                            \
    EVENT(done, done_message)                                                                  \
    EVENT(view, view_message)                                                                  \
    EVENT(view_ack, view_ack_message)                                                          \
    EVENT(spawn, spawn_message)                                                                \
    EVENT(spawn_result, spawn_result_message)                                                  \
    EVENT(console, console_message)                                                            \
    EVENT(query, query_message)                                                                \
    EVENT(answer, answer_message)
// clang-format on

namespace mosaic::ifaces::intermon {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_INTERMON_INTERFACE)
} // namespace mosaic::ifaces::intermon
