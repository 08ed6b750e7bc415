// Keeps this process's gallery and candidate pool in step with changes any encuentrod replica
// commits, as PostgreSQL announces them (storage::MatchingChangeListener). A change made here is
// applied at once by MatchingStateSync and again, harmlessly, when its announcement arrives; a
// change made elsewhere is applied when its announcement arrives. After a lost connection, when
// announcements may have been missed, it compares everything with the database.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "index/face_gallery.h"
#include "matching/candidate_pool.h"
#include "storage/match_store.h"
#include "storage/matching_changes.h"

namespace encuentro::matching {

// Start and Stop from one thread; the follower thread is the only user of the listener. The
// gallery and pool are thread-safe, so searches go on while it applies changes.
class MatchingStateFollower {
 public:
  MatchingStateFollower(index::FaceGallery* gallery, CandidatePool* pool,
                        storage::MatchStore* store,
                        std::unique_ptr<storage::MatchingChangeListener> listener);
  ~MatchingStateFollower();

  void Start();
  void Stop();

  // One person, or everyone, brought to what the database holds. Public for tests.
  absl::Status Refresh(const std::vector<int64_t>& people);
  absl::Status CatchUp();

 private:
  void Run();
  // The gallery brought to the database's templates of one person.
  absl::Status RefreshTemplates(int64_t id);
  // The whole gallery brought to the database's templates.
  absl::Status CatchUpGallery();

  index::FaceGallery* gallery_;
  CandidatePool* pool_;
  storage::MatchStore* store_;
  std::unique_ptr<storage::MatchingChangeListener> listener_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace encuentro::matching
