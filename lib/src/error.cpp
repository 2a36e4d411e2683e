// Error texts, derived from the single list in error.hpp.
#include <mosaic/error.hpp>

namespace mosaic {

const char* error_name(Error e) {
    switch (e) {
#define X(name, text)                                                             \
    case Error::name:                                                             \
        return text;
        MOSAIC_ERRORS(X)
#undef X
    }
    return "unknown error";
}

} // namespace mosaic
