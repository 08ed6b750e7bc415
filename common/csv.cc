#include "common/csv.h"

namespace encuentro {

absl::StatusOr<std::optional<std::vector<std::string>>> CsvReader::Next() {
  std::vector<std::string> fields;
  std::string field;
  bool in_quotes = false;
  bool any = false;
  record_line_ = next_line_;
  for (int c = in_.get(); c != EOF; c = in_.get()) {
    any = true;
    if (in_quotes) {
      if (c == '"') {
        if (in_.peek() == '"') {
          field += '"';
          in_.get();
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++next_line_;
        field += static_cast<char>(c);
      }
      continue;
    }
    if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && in_.peek() == '\n') {
      continue;
    } else if (c == '\n') {
      ++next_line_;
      fields.push_back(std::move(field));
      return std::optional(std::move(fields));
    } else {
      field += static_cast<char>(c);
    }
  }
  if (in_quotes) {
    return absl::InvalidArgumentError("line " + std::to_string(record_line_) +
                                      ": a quoted field is never closed");
  }
  if (!any) return std::optional<std::vector<std::string>>();
  fields.push_back(std::move(field));
  return std::optional(std::move(fields));
}

std::string CsvRow::Get(const std::string& column) const {
  for (size_t i = 0; i < header_->size() && i < fields_.size(); ++i) {
    if ((*header_)[i] == column) {
      const std::string& value = fields_[i];
      const size_t first = value.find_first_not_of(" \t");
      if (first == std::string::npos) return "";
      return value.substr(first, value.find_last_not_of(" \t") - first + 1);
    }
  }
  return "";
}

}  // namespace encuentro
