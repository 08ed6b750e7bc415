#include "common/sha256.h"

#include <sodium.h>

#include <array>
#include <fstream>

#include "absl/status/status.h"

namespace encuentro {
namespace {

std::string ToHex(const unsigned char* digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(crypto_hash_sha256_BYTES * 2, '0');
  for (size_t i = 0; i < crypto_hash_sha256_BYTES; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return ToHex(digest.data());
}

absl::StatusOr<std::string> Sha256HexOfFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot open " + path.string());
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::array<char, 1 << 16> buffer{};
  while (in) {
    in.read(buffer.data(), buffer.size());
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                              static_cast<unsigned long long>(in.gcount()));
  }
  if (in.bad()) return absl::DataLossError("read error on " + path.string());
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_final(&state, digest.data());
  return ToHex(digest.data());
}

}  // namespace encuentro
