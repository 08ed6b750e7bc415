// Small text helpers for messages shown to operators.
#pragma once

#include <cstddef>
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

// The two sizes of stored text (README "Limits"), enforced in validation and again by CHECK
// constraints in the database: names, folios, ids and labels; free text (descriptions, notes,
// reasons, legal bases, consents). Unbounded text in an append-only table would be a permanent
// denial of service: every listing that includes it would fail.
inline constexpr size_t kMaxShortText = 200;
inline constexpr size_t kMaxLongText = 4000;

// Text a reader must see (HasVisibleText) of at most kMaxLongText bytes: a reason, legal basis or
// consent.
bool IsStatement(std::string_view text);

}  // namespace encuentro
