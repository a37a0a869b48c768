#include "core/address.h"

#include "core/base58.h"
#include "core/types.h"

namespace tc {

AddressFamily address_family(Network network) {
  return network == Network::kMainnet ? AddressFamily::kMainnet : AddressFamily::kTest;
}

std::string_view address_family_name(AddressFamily family) {
  return family == AddressFamily::kMainnet ? "mainnet" : "testnet/devnet";
}

std::string encode_address(Network network, const PubkeyHash& pubkey_hash) {
  std::string text(kAddressPrefix);
  text.push_back(address_family(network) == AddressFamily::kMainnet ? '1' : '0');
  text += base58check_encode(pubkey_hash.span());
  return text;
}

Result<DecodedAddress> decode_address(std::string_view text) {
  if (!text.starts_with(kAddressPrefix)) return malformed("address does not start with \"TIME\"");
  if (text.size() == kAddressPrefix.size()) {
    return malformed("address has no network digit after \"TIME\"");
  }
  DecodedAddress decoded;
  const char digit = text[kAddressPrefix.size()];
  if (digit == '1') {
    decoded.family = AddressFamily::kMainnet;
  } else if (digit == '0') {
    decoded.family = AddressFamily::kTest;
  } else {
    const auto code = static_cast<unsigned char>(digit);
    const std::string shown = (code >= 0x21 && code < 0x7f) ? std::string("'") + digit + "'"
                                                            : "0x" + to_hex(ByteSpan(&code, 1));
    return malformed("unknown network digit " + shown + " at position " +
                     std::to_string(kAddressPrefix.size()) +
                     " (expected '1' mainnet or '0' testnet/devnet)");
  }
  const std::string_view base58_part = text.substr(kAddressHeadChars);
  for (std::size_t i = 0; i < base58_part.size(); ++i) {
    if (!is_base58_char(base58_part[i])) {
      return invalid_base58_char_error(base58_part[i], kAddressHeadChars + i);
    }
  }
  if (base58_part.size() > kAddressBase58CharsMax) {
    return malformed("address Base58 part is " + std::to_string(base58_part.size()) +
                     " characters, longer than " + std::to_string(kAddressBase58CharsMax));
  }
  auto payload = base58check_decode(base58_part);
  if (!payload.is_ok()) return payload.status().with_context("address");
  if (payload->size() != PubkeyHash::kSize) {
    return malformed("address payload is " + std::to_string(payload->size()) +
                     " bytes, expected a 20-byte pubkey hash");
  }
  decoded.pubkey_hash = PubkeyHash::from_span(ByteSpan(*payload));
  return decoded;
}

Result<PubkeyHash> decode_address_for(Network network, std::string_view text) {
  TC_ASSIGN_OR_RETURN(DecodedAddress decoded, decode_address(text));
  if (decoded.family != address_family(network)) {
    return invalid_argument("address is for " + std::string(address_family_name(decoded.family)) +
                            ", not " + std::string(network_name(network)));
  }
  return decoded.pubkey_hash;
}

}  // namespace tc
