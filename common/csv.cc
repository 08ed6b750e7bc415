#include "common/csv.h"

namespace encuentro {

void CsvReader::SkipByteOrderMark() {
  // Spreadsheets save UTF-8 CSV with a byte-order mark; it is not part of the first column name.
  const std::istream::pos_type start = in_.tellg();
  if (start == std::istream::pos_type(-1)) return;  // not seekable: nothing to look ahead with
  char mark[3] = {};
  if (in_.read(mark, 3) && mark[0] == '\xef' && mark[1] == '\xbb' && mark[2] == '\xbf') return;
  in_.clear();
  in_.seekg(start);
}

absl::StatusOr<std::optional<std::vector<std::string>>> CsvReader::Next() {
  if (next_line_ == 1 && record_line_ == 0) SkipByteOrderMark();
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
