// Logging for all of Encuentro: spdlog, plus formatters for Abseil's types so that statuses
// can be logged directly. Include this rather than spdlog/spdlog.h.
#pragma once

#include <fmt/format.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "spdlog/spdlog.h"

// Debian builds Abseil with its own string_view type, which fmt does not know.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view value, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(value.data(), value.size()),
                                                    ctx);
  }
};

// Formats as the status's message alone: codes are for programs, messages for operators.
template <>
struct fmt::formatter<absl::Status> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(const absl::Status& status, FormatContext& ctx) const {
    const absl::string_view message = status.message();
    return fmt::formatter<fmt::string_view>::format(
        fmt::string_view(message.data(), message.size()), ctx);
  }
};
