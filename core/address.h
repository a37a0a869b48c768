// Addresses: "TIME" ‖ network digit ‖ Base58Check(pubkey_hash) (docs/protocol.md,
// "Addresses"), the text form of the 20-byte pubkey hash an output locks to.
//
// Wallet tools and RPC turn addresses into pubkey hashes here; the ledger and the wire never see
// addresses. The network digit tells two address families apart, not three networks: testnet and
// devnet share digit '0' (and so their addresses), so decoding yields an AddressFamily and a caller
// that knows its Network checks membership with address_family(). The digit lies outside the
// checksum, so a '1'<->'0' flip yields the same hash in the other family; the family check is what
// stops it. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/network.h"
#include "core/status.h"

namespace tc {

// What the network digit of an address says: mainnet ('1') or the test family ('0': testnet and
// devnet).
enum class AddressFamily : std::uint8_t {
  kMainnet,
  kTest,
};
AddressFamily address_family(Network network);
// "mainnet" or "testnet/devnet".
std::string_view address_family_name(AddressFamily family);

inline constexpr std::string_view kAddressPrefix = "TIME";
// Characters before the Base58Check part: the prefix and the network digit.
inline constexpr std::size_t kAddressHeadChars = 5;
// The longest Base58 text of 24 bytes (pubkey hash ‖ checksum); longer text cannot be an address.
inline constexpr std::size_t kAddressBase58CharsMax = 33;

// "TIME1..." for mainnet, "TIME0..." for testnet and devnet.
std::string encode_address(Network network, const PubkeyHash& pubkey_hash);

struct DecodedAddress {
  AddressFamily family;
  PubkeyHash pubkey_hash;
};

// Parses an address. Errors, all kMalformed, checked in this order:
//   "address does not start with \"TIME\""
//   "address has no network digit after \"TIME\""
//   "unknown network digit 'x' at position 4 (expected '1' mainnet or '0' testnet/devnet)"
//   "invalid Base58 character 'O' at position 7" (position within the whole address)
//   "address Base58 part is 40 characters, longer than 33"
//   "address: Base58Check checksum mismatch: computed 1a2b3c4d, found 00112233" (or the data is
//   shorter than the checksum)
//   "address payload is 21 bytes, expected a 20-byte pubkey hash"
// Accepts exactly the strings encode_address produces.
Result<DecodedAddress> decode_address(std::string_view text);

// decode_address, then requires the address to belong to `network`'s family. Extra error:
// kInvalidArgument "address is for testnet/devnet, not mainnet".
Result<PubkeyHash> decode_address_for(Network network, std::string_view text);

}  // namespace tc
