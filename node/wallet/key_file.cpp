#include "node/wallet/key_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "node/cli/bounded_read.h"

namespace tc::wallet {
namespace {

void wipe(std::string* text) {
  secure_zero(MutableByteSpan(reinterpret_cast<std::uint8_t*>(text->data()), text->size()));
}

Status system_error(std::string_view what) {
  return io_error(std::string(what) + ": " + std::strerror(errno));
}

Result<std::string> string_field(const nlohmann::json& document, const char* name) {
  const auto it = document.find(name);
  if (it == document.end() || !it->is_string()) {
    return malformed(std::string("missing string field \"") + name + "\"");
  }
  return it->get<std::string>();
}

Result<KeyPair> parse_key_document(nlohmann::json* document) {
  if (!document->is_object()) return malformed("not a JSON object");
  TC_ASSIGN_OR_RETURN(std::string format, string_field(*document, "format"));
  if (format != kKeyFileFormat) {
    return malformed("format is \"" + format + "\", expected \"" + std::string(kKeyFileFormat) +
                     "\"");
  }
  // The parsed document holds the seed hex; take it by reference so it can be wiped in place.
  const auto seed_it = document->find("seed");
  if (seed_it == document->end() || !seed_it->is_string()) {
    return malformed("missing string field \"seed\"");
  }
  std::string& seed_hex = seed_it->get_ref<std::string&>();
  auto seed = fixed_from_hex<SecretSeed::kSize>(seed_hex);
  wipe(&seed_hex);
  if (!seed.is_ok()) return seed.status().with_context("seed");
  const KeyPair key = KeyPair::from_seed(*seed);
  secure_zero(MutableByteSpan(seed->data(), seed->size()));

  TC_ASSIGN_OR_RETURN(std::string pubkey_hex, string_field(*document, "pubkey"));
  auto pubkey = fixed_from_hex<Pubkey::kSize>(pubkey_hex);
  if (!pubkey.is_ok()) return pubkey.status().with_context("pubkey");
  if (*pubkey != key.pubkey()) {
    return malformed("pubkey " + to_hex(*pubkey) + " does not match the seed's pubkey " +
                     to_hex(key.pubkey()));
  }
  return key;
}

}  // namespace

std::string key_file_text(const KeyPair& key) {
  std::string text = "{\n  \"format\": \"";
  text += kKeyFileFormat;
  text += "\",\n  \"seed\": \"";
  text += to_hex(key.seed());
  text += "\",\n  \"pubkey\": \"";
  text += to_hex(key.pubkey());
  text += "\"\n}\n";
  return text;
}

Result<KeyPair> parse_key_file(std::string_view text) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  Result<KeyPair> key = parse_key_document(&document);
  if (document.is_object()) {
    const auto seed_it = document.find("seed");
    if (seed_it != document.end() && seed_it->is_string()) {
      wipe(&seed_it->get_ref<std::string&>());
    }
  }
  return key;
}

Status write_key_file(const std::string& path, const KeyPair& key) {
  const std::string context = "key file " + path;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status(StatusCode::kAlreadyExists,
                    context + ": already exists; refusing to overwrite a key");
    }
    return system_error("cannot create").with_context(context);
  }
  std::string text = key_file_text(key);
  Status status;
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = system_error("cannot write");
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  wipe(&text);
  if (status.is_ok() && ::fsync(fd) != 0) status = system_error("cannot sync");
  if (::close(fd) != 0 && status.is_ok()) status = system_error("cannot close");
  return status.with_context(context);
}

Result<KeyPair> read_key_file(const std::string& path) {
  const std::string context = "key file " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return system_error("cannot open").with_context(context);
  std::string text;
  const Status read = cli::read_to_end(fd, kKeyFileBytesMax, context, &text);
  ::close(fd);
  if (read.code() == StatusCode::kOutOfRange) {
    wipe(&text);
    return malformed("larger than " + std::to_string(kKeyFileBytesMax) + " bytes; not a key file")
        .with_context(context);
  }
  if (!read.is_ok()) {
    wipe(&text);
    return read;
  }
  Result<KeyPair> key = parse_key_file(text);
  wipe(&text);
  if (!key.is_ok()) return key.status().with_context(context);
  return key;
}

}  // namespace tc::wallet
