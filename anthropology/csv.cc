#include "anthropology/csv.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

#include "common/csv.h"

namespace encuentro::anthropology::internal {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

absl::StatusOr<std::vector<CsvRecord>> ReadCsvRecords(std::string_view text) {
  std::istringstream in{std::string(text)};
  CsvReader reader(in);
  std::vector<CsvRecord> records;
  for (;;) {
    absl::StatusOr<std::optional<std::vector<std::string>>> next = reader.Next();
    if (!next.ok()) return next.status();
    if (!next->has_value()) return records;
    CsvRecord record{reader.line(), {}};
    bool blank = true;
    for (const std::string& field : **next) {
      record.fields.emplace_back(Trim(field));
      blank = blank && record.fields.back().empty();
    }
    if (blank || record.fields.front().starts_with('#')) continue;
    records.push_back(std::move(record));
  }
}

std::optional<double> ParseNumber(std::string_view field) {
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  if (field.empty()) return std::nullopt;
  double value = 0.0;
  const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (error != std::errc() || end != field.data() + field.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace encuentro::anthropology::internal
