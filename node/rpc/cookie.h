// RPC credentials as Bitcoin Core keeps them: at start the server writes DATA_DIR/.cookie holding
// "__cookie__:<password>" (a fresh random password, the file mode 0600) and removes it at stop, so
// any local process that may read the data directory (time-cli, scripts) authenticates with HTTP
// Basic auth and nothing else can. Pure functions and file operations; any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace tc::rpc {

inline constexpr std::string_view kCookieUser = "__cookie__";
inline constexpr std::string_view kCookieFileName = ".cookie";
// Random bytes in the password (written as hex).
inline constexpr std::size_t kCookiePasswordBytes = 32;

// DATA_DIR/.cookie.
std::string cookie_path(const std::string& data_dir);

// Writes a new cookie with a random password (getrandom(2)) through a 0600 temporary file renamed
// into place, and returns its "user:password" text. Errors: kIoError naming the path and errno.
Result<std::string> write_cookie(const std::string& data_dir);

// The "user:password" text of the cookie in `data_dir` (a trailing newline is ignored). Errors:
// kNotFound when there is none (the server is not running, or uses a token), kMalformed when the
// file is not "__cookie__:<password>" or is larger than a cookie can be, kIoError otherwise.
Result<std::string> read_cookie(const std::string& data_dir);

// Removes the cookie; a missing one is not an error.
void remove_cookie(const std::string& data_dir);

// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view bytes);

// The Authorization header value for HTTP Basic auth with "user:password" credentials.
std::string basic_authorization(std::string_view credentials);
// The Authorization header value for a bearer token.
std::string bearer_authorization(std::string_view token);

}  // namespace tc::rpc
