#include "common/text.h"

#include <algorithm>
#include <cstdint>
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

namespace {

// Calls `visit` with each code point of `text`; false (having stopped) at the first malformed
// sequence: overlongs, surrogates and code points past U+10FFFF are malformed.
template <typename Visit>
bool ForEachCodePoint(std::string_view text, Visit visit) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    size_t length = 0;
    uint32_t code = 0;
    if (c < 0x80) {
      visit(static_cast<uint32_t>(c));
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      length = 2;
      code = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      length = 3;
      code = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xc0) != 0x80) return false;
      code = (code << 6) | (byte(i + k) & 0x3f);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinForLength[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    visit(code);
    i += length;
  }
  return true;
}

// Whitespace, format and control characters: nothing a reader sees.
bool Invisible(uint32_t c) {
  return c <= 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0xad || c == 0x1680 || c == 0x180e ||
         (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
         (c >= 0x205f && c <= 0x206f) || c == 0x3000 || c == 0xfeff;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  return ForEachCodePoint(text, [](uint32_t) {});
}

bool HasVisibleText(std::string_view text) {
  bool visible = false;
  return ForEachCodePoint(text, [&](uint32_t c) { visible = visible || !Invisible(c); }) && visible;
}

bool IsStatement(std::string_view text) {
  return text.size() <= kMaxLongText && HasVisibleText(text);
}

}  // namespace encuentro
