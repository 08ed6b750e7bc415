// Small text helpers for messages shown to operators.
#pragma once

#include <string>
#include <string_view>

namespace encuentro {

// Collapses a multi-line message (libpq, initdb) into one line, for one-line errors and logs.
std::string OneLine(std::string_view message);

// The last `max_lines` non-empty lines of a program's output, joined with " | ".
std::string TailLines(std::string_view output, int max_lines);

// True if `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// True if `text` is valid UTF-8 with at least one character a reader sees: not only spaces,
// no-break spaces, zero-width or other format and control characters.
bool HasVisibleText(std::string_view text);

}  // namespace encuentro
