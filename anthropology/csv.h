// Minimal CSV helpers shared by the module's parsers (landmarks, reference samples). Internal.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace encuentro::anthropology::internal {

// One CSV record: its fields, trimmed of blanks, and the 1-based line it starts on.
struct CsvRecord {
  int number = 0;
  std::vector<std::string> fields;
};

// Reads `text` with the project's one RFC 4180 reader (common/csv.h: quoted fields may hold
// commas), dropping blank records and those whose first field starts with '#', and a leading
// UTF-8 byte-order mark. INVALID_ARGUMENT for an unterminated quote, with its line.
absl::StatusOr<std::vector<CsvRecord>> ReadCsvRecords(std::string_view text);

// A finite decimal number filling the whole field, or nullopt.
std::optional<double> ParseNumber(std::string_view field);

// Lower-cases ASCII letters.
std::string AsciiLower(std::string_view text);

}  // namespace encuentro::anthropology::internal
