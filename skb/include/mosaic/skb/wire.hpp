// The SKB's request/answer encoding, for an SKB server and its clients on any ISA:
// fixed-width little-endian fields, no pointers, no padding (ARCHITECTURE.md, "Messages").
//
// Request:  u32 magic "SKBQ" | u16 version | u16 kind | u32 text length | text bytes
// Answer:   u32 magic "SKBA" | u16 version | u16 status (mosaic::Error) | u32 line |
//           u32 column | u32 columns | u32 rows | columns x (u16 length | name bytes) |
//           rows x columns x value
// Value:    u8 tag 0 | i64 integer,  or  u8 tag 1 | u16 length | symbol bytes
// A failed request answers with its status (and, for text errors, line and column) and no
// columns or rows; an answer with no rows also has no columns, and a query without
// variables that holds answers rows of no columns (no values follow).
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/skb/engine.hpp>

namespace mosaic::skb::wire {

inline constexpr u32 kRequestMagic = 0x51424b53; // "SKBQ" in memory order
inline constexpr u32 kAnswerMagic = 0x41424b53;  // "SKBA"
inline constexpr u16 kVersion = 1;
inline constexpr usize kRequestHeader = 12;
inline constexpr usize kAnswerHeader = 24;

enum class Kind : u16 { Query = 1, Load = 2 };

struct Request {
    Kind kind = Kind::Query;
    StrView text; // points into the request buffer
};

// A decoded answer value; a symbol's text points into the answer buffer.
struct WireValue {
    bool is_symbol = false;
    i64 integer = 0;
    StrView symbol;
};

Result<usize> encode_request(Kind kind, const char* text, u32 len, u8* out, usize cap);
Result<Request> decode_request(const u8* in, usize len);

// Runs one request against the engine and writes the answer to out. Fails only when out
// cannot hold even an answer header; every other failure is reported inside the answer.
Result<usize> serve(Engine& engine, const u8* request, usize len, u8* out, usize cap);

// Reads an answer: open() checks the header and the names, then next() yields the values
// row by row (rows() * columns() of them).
class AnswerReader {
  public:
    Status open(const u8* in, usize len);
    Error status() const { return status_; }
    u32 line() const { return line_; }
    u32 column() const { return column_; }
    u32 columns() const { return columns_; }
    u32 rows() const { return rows_; }
    Result<StrView> name(u32 index) const;
    Result<WireValue> next();

  private:
    const u8* in_ = nullptr;
    usize len_ = 0;
    usize names_at_ = 0;
    usize pos_ = 0;
    u64 remaining_ = 0;
    Error status_ = Error::Ok;
    u32 line_ = 0, column_ = 0, columns_ = 0, rows_ = 0;
};

} // namespace mosaic::skb::wire
