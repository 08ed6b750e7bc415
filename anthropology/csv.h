// Minimal CSV helpers shared by the module's parsers (landmarks, reference samples). Internal.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace encuentro::anthropology::internal {

// One physical line of a CSV text with its 1-based line number.
struct CsvLine {
  int number = 0;
  std::string_view text;
};

// Splits `text` into lines (LF or CRLF), dropping empty/whitespace-only lines and lines whose
// first non-blank character is '#'. The views point into `text`.
std::vector<CsvLine> SplitCsvLines(std::string_view text);

// Splits one line on commas and trims blanks (and surrounding double quotes) from each field.
// Quoted commas are not supported: none of our formats needs them.
std::vector<std::string> SplitCsvFields(std::string_view line);

// A finite decimal number filling the whole field, or nullopt.
std::optional<double> ParseNumber(std::string_view field);

// Lower-cases ASCII letters.
std::string AsciiLower(std::string_view text);

}  // namespace encuentro::anthropology::internal
