// RFC 4180 CSV reading: quoted fields may hold commas, quotes ("") and line breaks. Used by the
// bulk importers, whose rows come from spreadsheets.
#pragma once

#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace encuentro {

// Reads records one at a time; a leading UTF-8 byte-order mark is skipped. Not thread-safe.
class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // The next record's fields, or nullopt at the end. INVALID_ARGUMENT for an unterminated quote.
  absl::StatusOr<std::optional<std::vector<std::string>>> Next();
  // 1-based line on which the last record returned started.
  int line() const { return record_line_; }

 private:
  void SkipByteOrderMark();

  std::istream& in_;
  int next_line_ = 1;
  int record_line_ = 0;
};

// A record keyed by the header's column names.
class CsvRow {
 public:
  CsvRow(const std::vector<std::string>* header, std::vector<std::string> fields, int line)
      : header_(header), fields_(std::move(fields)), line_(line) {}
  // The trimmed field, or "" when the column is absent or the row is short.
  std::string Get(const std::string& column) const;
  int line() const { return line_; }

 private:
  const std::vector<std::string>* header_;
  std::vector<std::string> fields_;
  int line_;
};

}  // namespace encuentro
