// The one error type of Mosaic and the Result<T> it travels in (see STYLE.md 6).
// Every fallible function returns Result<T>; TRY() propagates an error upwards.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic {

// Declared once; error_name() below is derived from the same list.
#define MOSAIC_ERRORS(X)                                                          \
    X(Ok, "ok")                                                                   \
    X(InvalidArgument, "invalid argument")                                        \
    X(OutOfRange, "out of range")                                                 \
    X(Truncated, "input truncated")                                               \
    X(BadMagic, "bad magic number")                                               \
    X(BadVersion, "unsupported version")                                          \
    X(BadChecksum, "checksum mismatch")                                           \
    X(Malformed, "malformed input")                                               \
    X(NotFound, "not found")                                                      \
    X(AlreadyExists, "already exists")                                            \
    X(NoMemory, "out of memory")                                                  \
    X(CapacityExceeded, "fixed capacity exceeded")                                \
    X(WouldBlock, "would block")                                                  \
    X(Unsupported, "unsupported")                                                 \
    X(PermissionDenied, "permission denied")                                      \
    X(InvalidSlot, "invalid capability slot")                                     \
    X(SlotEmpty, "capability slot empty")                                         \
    X(SlotOccupied, "capability slot occupied")                                   \
    X(WrongType, "wrong capability type")                                         \
    X(HasDescendants, "capability has live descendants")                          \
    X(Misaligned, "misaligned")                                                   \
    X(Overflow, "arithmetic overflow")                                            \
    X(Timeout, "timed out")                                                       \
    X(SyntaxError, "syntax error")                                                \
    X(Unsafe, "unsafe rule")                                                      \
    X(NotStratifiable, "program not stratifiable")                                \
    X(Busy, "busy")                                                               \
    X(UnknownSyscall, "unknown system call")                                      \
    X(BadAddress, "bad user address")

enum class Error : u16 {
#define X(name, text) name,
    MOSAIC_ERRORS(X)
#undef X
};
// How many Error values there are: a status from the wire at or beyond it is not one.
inline constexpr u32 kErrorCount = 0
#define X(name, text) +1
    MOSAIC_ERRORS(X)
#undef X
    ;

// A short human-readable text for an error, for console and tool messages.
const char* error_name(Error e);

// Result<T>: either a T or an Error (never Error::Ok). T must be default-constructible
// and movable; board code has no exceptions, so this is how failure travels.
template <typename T> class [[nodiscard]] Result {
  public:
    Result(T value) : value_(move(value)), error_(Error::Ok) {}
    Result(Error e) : value_(), error_(e) {}
    bool ok() const { return error_ == Error::Ok; }
    explicit operator bool() const { return ok(); }
    Error error() const { return error_; }
    T& value() { return value_; }
    const T& value() const { return value_; }
    T& operator*() { return value_; }
    T* operator->() { return &value_; }
    const T* operator->() const { return &value_; }
    T release() { return move(value_); }

  private:
    T value_;
    Error error_;
};

// Result<void>: success or an Error.
template <> class [[nodiscard]] Result<void> {
  public:
    Result() : error_(Error::Ok) {}
    Result(Error e) : error_(e) {}
    bool ok() const { return error_ == Error::Ok; }
    explicit operator bool() const { return ok(); }
    Error error() const { return error_; }

  private:
    Error error_;
};

using Status = Result<void>;

} // namespace mosaic

// TRY(expr): evaluates a Result; on error returns the error from the enclosing function,
// otherwise yields the value (a GNU statement expression, supported by clang and gcc).
#define TRY(expr)                                                                 \
    ({                                                                            \
        auto _try_r = (expr);                                                     \
        if (!_try_r.ok()) return _try_r.error();                                  \
        ::mosaic::move(*_try_r);                                                  \
    })

// TRY_STATUS(expr): the same for Result<void>.
#define TRY_STATUS(expr)                                                          \
    do {                                                                          \
        auto _try_s = (expr);                                                     \
        if (!_try_s.ok()) return _try_s.error();                                  \
    } while (0)
