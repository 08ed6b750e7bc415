// Where domain code reports how long a named step of its work took, so that monitoring can see
// inside a call (the audit chain's lock, each stage of a photo's analysis) without the domain
// modules depending on the metrics library.
#pragma once

#include <chrono>
#include <string_view>

namespace encuentro::common {

// Implementations must be thread-safe: steps are reported from every serving thread at once.
class StepDurations {
 public:
  virtual ~StepDurations() = default;
  // `step` is a fixed name such as "face_detect"; the caller keeps the set of names small.
  virtual void Record(std::string_view step, double seconds) = 0;
};

// Reports the time from its construction to its destruction as `step`; does nothing when
// `durations` is null.
class StepTimer {
 public:
  StepTimer(StepDurations* durations, std::string_view step)
      : durations_(durations), step_(step), started_(std::chrono::steady_clock::now()) {}
  ~StepTimer() {
    if (durations_ == nullptr) return;
    durations_->Record(
        step_, std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  }
  StepTimer(const StepTimer&) = delete;
  StepTimer& operator=(const StepTimer&) = delete;

 private:
  StepDurations* durations_;
  std::string_view step_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace encuentro::common
