// The audit log's tamper evidence: a hash chain over canonical entry texts, Ed25519-signed
// checkpoints of its head, and the offline verifier that families' organizations run on an
// export with nothing but the server's public key. See migrations/0006 for the rule in SQL.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_event.h"

namespace encuentro::audit {

// "2026-11-25T16:40:00.123456Z": how the log writes times.
std::string Rfc3339Utc(std::chrono::system_clock::time_point time);

// The hash before the first entry: 64 zeros.
const std::string& GenesisHash();

// The canonical text of an entry: JSON with sorted keys and no spaces, "v" its format version.
// It is stored verbatim and is what the chain hashes; `time` is UTC.
std::string CanonicalEntry(const AuditEvent& event, std::chrono::system_clock::time_point time);

// sha256(prev_hash || '\n' || entry) as lowercase hex.
std::string ChainHash(const std::string& prev_hash, const std::string& entry);

// A signed statement that the log had `tree_size` entries ending in `head_hash` at `time`.
struct Checkpoint {
  int64_t tree_size = 0;
  std::string head_hash;
  std::string time;        // RFC 3339 UTC
  std::string signature;   // Ed25519 over CheckpointMessage, hex
  std::string public_key;  // hex, the key that signed
};

// The exact bytes a checkpoint signs.
std::string CheckpointMessage(int64_t tree_size, const std::string& head_hash,
                              const std::string& time);

// The server's Ed25519 key pair. Thread-safe (immutable).
class SigningKey {
 public:
  // Reads the key file, or makes one (mode 0600) if it does not exist.
  static absl::StatusOr<SigningKey> LoadOrCreate(const std::filesystem::path& path);
  Checkpoint Sign(int64_t tree_size, const std::string& head_hash, const std::string& time) const;
  std::string public_key_hex() const;

 private:
  std::array<unsigned char, 64> secret_{};
  std::array<unsigned char, 32> public_{};
};

// Reads a public key: 64 hex digits, alone or as the first word of a file's first line.
absl::StatusOr<std::string> ReadPublicKey(const std::string& file_or_hex);

struct VerificationReport {
  int64_t entries = 0;
  int64_t redacted = 0;  // entries given by hash only
  int64_t checkpoints = 0;
  std::string head_hash;
  bool ok = false;
  // When not ok: the export line and chain position where the first problem is, and what it is.
  int64_t line = 0;
  int64_t position = 0;
  std::string problem;
};

// Checks an export (JSON lines: entries in chain order and checkpoints, as ExportEntries writes
// them): every link recomputed from the genesis (redacted entries are taken by their hash),
// positions consecutive, every checkpoint signed
// by `public_key_hex` and matching the chain at its size. Stops at the first broken link.
// What a reader saw before and pins, as Certificate Transparency monitors do: the chain must still
// hold `size` entries or more, and its hash at `size` must be `head` (a rewritten past fails even
// when its checkpoints were deleted and the rest re-signed). Either may be left out.
struct ExpectedChain {
  std::optional<int64_t> size;
  std::string head;
};
VerificationReport VerifyExport(std::istream& in, const std::string& public_key_hex,
                                const ExpectedChain& expected = {});

// One export line for an entry, an entry withheld from this reader (its hashes only, so the
// chain still links), or a checkpoint.
std::string ExportEntryLine(int64_t position, const std::string& entry,
                            const std::string& prev_hash, const std::string& entry_hash);
// `view`, when given, is what the reader may see of the entry (a family's redacted view of their
// own case); it is not hashed, so the verifier takes the entry by its hash as for any redaction.
std::string ExportRedactedLine(int64_t position, const std::string& prev_hash,
                               const std::string& entry_hash, const std::string& view = "");
std::string ExportCheckpointLine(const Checkpoint& checkpoint);

}  // namespace encuentro::audit
