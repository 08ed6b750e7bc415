#include "common/progress.h"

#include <unistd.h>

#include <cstdio>

namespace encuentro::common {

ProgressBar::ProgressBar(int total, std::string unit, std::string secondary_unit, bool quiet)
    : total_(total),
      unit_(std::move(unit)),
      secondary_unit_(std::move(secondary_unit)),
      tty_(isatty(STDERR_FILENO) && !quiet),
      quiet_(quiet),
      start_(Clock::now()) {}

void ProgressBar::Update(int done, int secondary_done) {
  std::lock_guard lock(mu_);
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  const int percent = total_ == 0 ? 100 : done * 100 / total_;
  if (quiet_ || (!tty_ && percent < next_percent_ && done != total_)) return;
  next_percent_ = percent + 10;
  constexpr int kWidth = 30;
  const int filled = total_ == 0 ? kWidth : done * kWidth / total_;
  const double rate = seconds > 0 ? done / seconds : 0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0;
  std::string secondary;
  if (!secondary_unit_.empty()) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "  %.1f %s/s", seconds > 0 ? secondary_done / seconds : 0,
                  secondary_unit_.c_str());
    secondary = buffer;
  }
  std::fprintf(stderr, "%s[%s%s] %d/%d %s  %.1f %s/s%s  ETA %.0f s%s", tty_ ? "\r" : "",
               std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(kWidth - filled), ' ').c_str(), done, total_,
               unit_.c_str(), rate, unit_.c_str(), secondary.c_str(), eta, tty_ ? "" : "\n");
  if (tty_ && done == total_) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace encuentro::common
