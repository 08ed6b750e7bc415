// A progress bar on stderr for long work (imports, batch searches, back-fills): redrawn in place on
// a terminal, a line every 10% otherwise, silent when output is for scripts.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace encuentro::common {

// Thread-safe: workers report progress concurrently.
class ProgressBar {
 public:
  // `unit` names what is counted ("rows"); `secondary_unit`, if not empty, a second rate shown.
  ProgressBar(int total, std::string unit, std::string secondary_unit, bool quiet);

  void Update(int done, int secondary_done = 0);

 private:
  using Clock = std::chrono::steady_clock;
  std::mutex mu_;
  const int total_;
  const std::string unit_;
  const std::string secondary_unit_;
  const bool tty_;
  const bool quiet_;
  const Clock::time_point start_;
  int next_percent_ = 0;  // guarded by mu_
};

}  // namespace encuentro::common
