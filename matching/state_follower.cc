#include "matching/state_follower.h"

#include <algorithm>
#include <unordered_set>

#include "common/logging.h"
#include "matching/matcher.h"
#include "spdlog/spdlog.h"

namespace encuentro::matching {
namespace {

// How long one wait for announcements lasts: also how soon Stop is noticed.
constexpr std::chrono::milliseconds kWait(250);
// Pause between attempts while the database is unreachable.
constexpr std::chrono::seconds kRetry(1);

// Adds to the gallery each of `templates` it does not hold yet, and the second model's embedding
// to each it holds without one (a back-fill); returns how many it changed.
absl::StatusOr<size_t> AddAbsent(index::FaceGallery* gallery,
                                 const std::vector<storage::StoredTemplate>& templates) {
  size_t added = 0;
  for (const storage::StoredTemplate& t : templates) {
    if (gallery->Contains(t.photo_id)) {
      if (t.second_embedding && !gallery->HasSecondEmbedding(t.photo_id) &&
          gallery->SetSecondEmbedding(t.photo_id, *t.second_embedding).ok()) {
        ++added;
      }
      continue;
    }
    if (absl::Status s = gallery->Add(ToGalleryTemplate(t)); !s.ok() && !absl::IsAlreadyExists(s)) {
      return s;
    }
    ++added;
  }
  return added;
}

}  // namespace

MatchingStateFollower::MatchingStateFollower(
    index::FaceGallery* gallery, CandidatePool* pool, storage::MatchStore* store,
    std::unique_ptr<storage::MatchingChangeListener> listener)
    : gallery_(gallery), pool_(pool), store_(store), listener_(std::move(listener)) {}

MatchingStateFollower::~MatchingStateFollower() { Stop(); }

void MatchingStateFollower::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void MatchingStateFollower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MatchingStateFollower::Run() {
  bool reported_down = false;
  // Set when announcements may have been missed or heard changes could not be applied; cleared
  // only by a catch-up that succeeded, retried until then.
  bool behind = false;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    absl::StatusOr<storage::MatchingChanges> changes = listener_->Wait(kWait);
    if (!changes.ok()) {
      if (!reported_down) spdlog::warn("matching follower: {}", changes.status());
      reported_down = true;
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, kRetry, [this] { return stopping_; });
      continue;
    }
    reported_down = false;
    behind = behind || changes->catch_up;
    absl::Status applied = behind ? CatchUp() : Refresh(changes->people);
    if (applied.ok()) {
      behind = false;
      continue;
    }
    // Heard but not applied (the pool's connections may still be the broken ones): compare
    // everything on the next pass, after a pause.
    spdlog::warn("matching follower: {}; catching up with the database", applied);
    behind = true;
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, kRetry, [this] { return stopping_; });
  }
}

absl::Status MatchingStateFollower::Refresh(const std::vector<int64_t>& people) {
  if (people.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<records::MissingPerson>> live = store_->LoadCandidateProfiles(&people);
  if (!live.ok()) return live.status();
  std::unordered_set<int64_t> still_live;
  for (records::MissingPerson& person : *live) {
    still_live.insert(person.meta.id);
    pool_->Update(person);
  }
  for (int64_t id : people) {
    if (!still_live.count(id)) pool_->Remove(id);
    const absl::Status synced = RefreshTemplates(id);
    // Even after a failure part-way, the pool copies whatever the gallery now holds.
    pool_->TemplatesChanged(id);
    if (!synced.ok()) return synced;
  }
  return absl::OkStatus();
}

absl::Status MatchingStateFollower::RefreshTemplates(int64_t id) {
  absl::StatusOr<std::vector<storage::StoredTemplate>> templates = store_->PersonTemplates(id);
  if (!templates.ok()) return templates.status();
  absl::StatusOr<std::vector<int64_t>> ever = store_->PersonTemplatePhotoIds(id);
  if (!ever.ok()) return ever.status();
  if (absl::StatusOr<size_t> added = AddAbsent(gallery_, *templates); !added.ok()) {
    return added.status();
  }
  std::unordered_set<int64_t> current;
  for (const storage::StoredTemplate& t : *templates) current.insert(t.photo_id);
  for (int64_t photo : *ever) {
    if (!current.count(photo)) gallery_->Remove(photo);
  }
  return absl::OkStatus();
}

absl::Status MatchingStateFollower::CatchUp() {
  absl::StatusOr<std::vector<records::MissingPerson>> people = store_->LoadCandidateProfiles();
  if (!people.ok()) return people.status();
  const absl::Status synced = CatchUpGallery();
  // After the gallery, so that the pool copies the templates as it now holds them; and even when
  // the gallery could not be brought up to date, so that the people are.
  pool_->ReplaceAll(*std::move(people));
  return synced;
}

absl::Status MatchingStateFollower::CatchUpGallery() {
  absl::StatusOr<std::vector<storage::StoredTemplate>> templates = store_->LoadGalleryTemplates();
  if (!templates.ok()) return templates.status();
  absl::StatusOr<size_t> added = AddAbsent(gallery_, *templates);
  if (!added.ok()) return added.status();
  std::unordered_set<int64_t> in_database;
  for (const storage::StoredTemplate& t : *templates) in_database.insert(t.photo_id);
  size_t removed = 0;
  for (int64_t id : gallery_->Ids()) {
    if (!in_database.count(id)) {
      gallery_->Remove(id);
      ++removed;
    }
  }
  if (*added + removed > 0) {
    spdlog::info("matching follower: caught up with the database ({} templates added, {} removed)",
                 *added, removed);
  }
  return absl::OkStatus();
}

}  // namespace encuentro::matching
