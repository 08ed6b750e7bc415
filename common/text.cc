#include "common/text.h"

#include <algorithm>
#include <vector>

namespace encuentro {
namespace {

// Note: Debian's Abseil is built with its own string_view type, so plain std:: code is simpler.
std::vector<std::string_view> NonEmptyLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    lines.push_back(line);
  }
  return lines;
}

std::string Join(std::vector<std::string_view>::const_iterator begin,
                 std::vector<std::string_view>::const_iterator end, std::string_view separator) {
  std::string out;
  for (auto it = begin; it != end; ++it) {
    if (it != begin) out += separator;
    out += *it;
  }
  return out;
}

}  // namespace

std::string OneLine(std::string_view message) {
  const std::vector<std::string_view> lines = NonEmptyLines(message);
  return Join(lines.begin(), lines.end(), " ");
}

std::string TailLines(std::string_view output, int max_lines) {
  const std::vector<std::string_view> lines = NonEmptyLines(output);
  const size_t keep = std::min(lines.size(), static_cast<size_t>(std::max(max_lines, 0)));
  return Join(lines.end() - static_cast<std::ptrdiff_t>(keep), lines.end(), " | ");
}

}  // namespace encuentro
