#include "audit/chain.h"

#include <sodium.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sha256.h"
#include "nlohmann/json.hpp"

namespace encuentro::audit {
namespace {

std::string Hex(const unsigned char* bytes, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, size);
  hex.pop_back();
  return hex;
}

bool FromHex(const std::string& hex, unsigned char* out, size_t size) {
  size_t written = 0;
  return hex.size() == size * 2 &&
         sodium_hex2bin(out, size, hex.data(), hex.size(), nullptr, &written, nullptr) == 0 &&
         written == size;
}

}  // namespace

std::string Rfc3339Utc(std::chrono::system_clock::time_point time) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                         utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                         static_cast<int>(micros % 1'000'000));
}

const std::string& GenesisHash() {
  static const auto* const kGenesis = new std::string(64, '0');
  return *kGenesis;
}

std::string CanonicalEntry(const AuditEvent& event, std::chrono::system_clock::time_point time) {
  nlohmann::json outcome = nlohmann::json::parse(event.outcome_json, nullptr, false);
  if (outcome.is_discarded()) outcome = event.outcome_json;
  const nlohmann::json entry = {{"v", 1},
                                {"time", Rfc3339Utc(time)},
                                {"principal", event.principal.user},
                                {"organization", event.principal.organization},
                                {"role", auth::RoleName(event.principal.role)},
                                {"method", event.method},
                                {"targets", event.targets},
                                {"purpose", event.purpose},
                                {"legal_basis", event.legal_basis},
                                {"outcome", outcome}};
  // Sorted keys (nlohmann keeps objects in a std::map), no spaces, invalid UTF-8 replaced.
  return entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ChainHash(const std::string& prev_hash, const std::string& entry) {
  return Sha256Hex(absl::StrCat(prev_hash, "\n", entry));
}

std::string CheckpointMessage(int64_t tree_size, const std::string& head_hash,
                              const std::string& time) {
  return absl::StrCat("encuentro audit checkpoint v1\ntree_size ", tree_size, "\nhead ", head_hash,
                      "\ntime ", time, "\n");
}

absl::StatusOr<SigningKey> SigningKey::LoadOrCreate(const std::filesystem::path& path) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  SigningKey key;
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    std::ifstream in(path);
    std::string hex;
    in >> hex;
    if (!FromHex(hex, key.secret_.data(), key.secret_.size())) {
      return absl::DataLossError(absl::StrCat("audit signing key ", path.string(),
                                              " is not 128 hex digits; restore it from backup"));
    }
    crypto_sign_ed25519_sk_to_pk(key.public_.data(), key.secret_.data());
    return key;
  }
  crypto_sign_keypair(key.public_.data(), key.secret_.data());
  const std::filesystem::path scratch = path.string() + ".new";
  {
    const mode_t old_mask = umask(077);
    std::ofstream out(scratch, std::ios::trunc);
    umask(old_mask);
    out << Hex(key.secret_.data(), key.secret_.size()) << "\n";
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", scratch.string()));
  }
  std::filesystem::rename(scratch, path, error);
  if (error) return absl::UnavailableError(absl::StrCat("cannot write ", path.string()));
  std::ofstream(path.string() + ".pub") << key.public_key_hex() << "\n";
  return key;
}

Checkpoint SigningKey::Sign(int64_t tree_size, const std::string& head_hash,
                            const std::string& time) const {
  const std::string message = CheckpointMessage(tree_size, head_hash, time);
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_.data());
  return {tree_size, head_hash, time, Hex(signature.data(), signature.size()), public_key_hex()};
}

std::string SigningKey::public_key_hex() const { return Hex(public_.data(), public_.size()); }

absl::StatusOr<std::string> ReadPublicKey(const std::string& file_or_hex) {
  std::string hex = file_or_hex;
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
    std::ifstream in(file_or_hex);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read public key ", file_or_hex));
    in >> hex;
  }
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> key{};
  if (!FromHex(hex, key.data(), key.size())) {
    return absl::InvalidArgumentError("a public key is 64 hex digits (an Ed25519 key)");
  }
  return Hex(key.data(), key.size());
}

namespace {

// `object[key]` as an integer. nlohmann converts any number, and a float out of int64_t's range
// (1e41, found by audit_export_fuzzer) is undefined behaviour: only integers are taken.
int64_t IntegerAt(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = object.at(key);
  if (!value.is_number_integer()) {
    throw nlohmann::json::type_error::create(302, std::string(key) + " is not an integer", &value);
  }
  return value.get<int64_t>();
}

}  // namespace

VerificationReport VerifyExport(std::istream& in, const std::string& public_key_hex,
                                const ExpectedChain& expected) {
  VerificationReport report;
  report.head_hash = GenesisHash();
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> key{};
  if (!FromHex(public_key_hex, key.data(), key.size())) {
    report.problem = "the public key is not 64 hex digits";
    return report;
  }
  std::vector<std::string> hashes = {GenesisHash()};        // hashes[k]: recomputed hash of entry k
  std::vector<std::pair<int64_t, Checkpoint>> checkpoints;  // with their line numbers
  const auto fail = [&](int64_t line, int64_t position, std::string problem) {
    report.line = line;
    report.position = position;
    report.problem = std::move(problem);
    return report;
  };
  std::string text;
  int64_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.empty()) continue;
    const nlohmann::json record = nlohmann::json::parse(text, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      return fail(line, 0, "not a JSON object");
    }
    if (record.contains("checkpoint")) {
      const auto& c = record["checkpoint"];
      Checkpoint checkpoint;
      try {
        checkpoint = {IntegerAt(c, "tree_size"), c.at("head_hash").get<std::string>(),
                      c.at("time").get<std::string>(), c.at("signature").get<std::string>(),
                      c.value("public_key", std::string())};
      } catch (const nlohmann::json::exception&) {
        return fail(line, 0, "a checkpoint lacks tree_size, head_hash, time or signature");
      }
      checkpoints.emplace_back(line, checkpoint);
      continue;
    }
    int64_t position = 0;
    std::string entry, prev_hash, hash;
    bool redacted = false;
    try {
      // Typed reads throw on a wrong type (a "redacted" that is a string, found by
      // audit_export_fuzzer): inside the try, so that any export gets a report, never a crash.
      redacted = record.contains("redacted") && record.at("redacted").get<bool>();
      position = IntegerAt(record, "position");
      if (!redacted) entry = record.at("entry").get<std::string>();
      prev_hash = record.at("prev_hash").get<std::string>();
      hash = record.at("hash").get<std::string>();
    } catch (const nlohmann::json::exception&) {
      return fail(line, 0, "an entry lacks position, entry, prev_hash or hash");
    }
    const int64_t next_position = static_cast<int64_t>(hashes.size());
    if (position > next_position) {
      return fail(
          line, next_position,
          position == next_position + 1
              ? absl::StrCat("entry ", next_position, " is missing")
              : absl::StrCat("entries ", next_position, " to ", position - 1, " are missing"));
    }
    if (position < next_position) {
      return fail(line, position,
                  absl::StrCat("entry ", position, " appears again after entry ", next_position - 1,
                               ": the log was reordered or duplicated"));
    }
    if (prev_hash != hashes.back()) {
      return fail(line, position,
                  absl::StrCat("entry ", position, " does not link to entry ", position - 1,
                               ": an entry was removed, reordered or altered"));
    }
    // A redacted entry (another family's case) still links; its text is not ours to check.
    const std::string recomputed = redacted ? hash : ChainHash(prev_hash, entry);
    if (redacted) ++report.redacted;
    if (recomputed != hash) {
      return fail(
          line, position,
          absl::StrCat("entry ", position, " was altered: its text does not give its hash"));
    }
    hashes.push_back(recomputed);
    ++report.entries;
  }
  for (const auto& [at, checkpoint] : checkpoints) {
    const std::string message =
        CheckpointMessage(checkpoint.tree_size, checkpoint.head_hash, checkpoint.time);
    std::array<unsigned char, crypto_sign_BYTES> signature{};
    if (!FromHex(checkpoint.signature, signature.data(), signature.size()) ||
        crypto_sign_verify_detached(signature.data(),
                                    reinterpret_cast<const unsigned char*>(message.data()),
                                    message.size(), key.data()) != 0) {
      return fail(at, checkpoint.tree_size,
                  absl::StrCat("the checkpoint at ", checkpoint.tree_size,
                               " is not signed by this public key"));
    }
    if (checkpoint.tree_size < 0 || checkpoint.tree_size >= static_cast<int64_t>(hashes.size())) {
      return fail(at, checkpoint.tree_size,
                  absl::StrCat("the checkpoint at ", checkpoint.tree_size, " is beyond the ",
                               hashes.size() - 1, " entries exported: entries were removed"));
    }
    if (hashes[static_cast<size_t>(checkpoint.tree_size)] != checkpoint.head_hash) {
      return fail(
          at, checkpoint.tree_size,
          absl::StrCat("the chain does not match the signed checkpoint at ", checkpoint.tree_size,
                       ": entries up to it were rewritten after it was signed"));
    }
    ++report.checkpoints;
  }
  const int64_t size = static_cast<int64_t>(hashes.size()) - 1;
  if (expected.size) {
    if (*expected.size < 0 || *expected.size > size) {
      return fail(line, size,
                  absl::StrCat("the chain holds ", size, " entries, fewer than the ",
                               *expected.size, " you saw before: entries were removed"));
    }
    if (!expected.head.empty() && hashes[static_cast<size_t>(*expected.size)] != expected.head) {
      return fail(line, *expected.size,
                  absl::StrCat("the chain at ", *expected.size,
                               " is not the one you saw before: entries up to it were rewritten"));
    }
  } else if (!expected.head.empty() &&
             std::find(hashes.begin(), hashes.end(), expected.head) == hashes.end()) {
    return fail(line, size,
                "the head you saw before is nowhere in this chain: it was rewritten or cut");
  }
  report.head_hash = hashes.back();
  report.ok = true;
  return report;
}

std::string ExportEntryLine(int64_t position, const std::string& entry,
                            const std::string& prev_hash, const std::string& entry_hash) {
  return nlohmann::json({{"position", position},
                         {"entry", entry},
                         {"prev_hash", prev_hash},
                         {"hash", entry_hash}})
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ExportRedactedLine(int64_t position, const std::string& prev_hash,
                               const std::string& entry_hash, const std::string& view) {
  nlohmann::json line = {
      {"position", position}, {"redacted", true}, {"prev_hash", prev_hash}, {"hash", entry_hash}};
  if (!view.empty()) line["view"] = view;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ExportCheckpointLine(const Checkpoint& checkpoint) {
  return nlohmann::json({{"checkpoint",
                          {{"tree_size", checkpoint.tree_size},
                           {"head_hash", checkpoint.head_hash},
                           {"time", checkpoint.time},
                           {"signature", checkpoint.signature},
                           {"public_key", checkpoint.public_key}}}})
      .dump();
}

}  // namespace encuentro::audit
